// The fictional publication `broadsheet demo` loads: newsletters, articles, readers.
#pragma once

#include <vector>

#include "core/types.hpp"

namespace broadsheet::cli {

struct DemoReader {
  const char* email;
  const char* name;
  const char* timezone;
  std::vector<const char*> newsletters;  // slugs, confirmed
};

std::vector<Newsletter> demo_newsletters();
std::vector<Article> demo_articles(UnixSeconds now);
std::vector<DemoReader> demo_readers();

}  // namespace broadsheet::cli
