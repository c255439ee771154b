// Store role: articles (demo content now, feeds later), shown by the public pages.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// Slugs are unique.
class Articles {
 public:
  virtual ~Articles() = default;

  virtual Result<Article> add_article(const Article& a) = 0;
  virtual Result<std::vector<Article>> latest_articles(std::size_t limit) = 0;
  virtual Result<Article> article_by_slug(const std::string& slug) = 0;
};

}  // namespace broadsheet::store
