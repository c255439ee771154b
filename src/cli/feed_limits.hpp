// The [feeds] settings of broadsheet.toml as feeds/ takes them: for the `feed`
// commands and the scheduler's step (`schedule tick`, serve), which both poll feeds.
#pragma once

#include "config/config.hpp"
#include "feeds/fetch.hpp"
#include "feeds/parse.hpp"

namespace broadsheet::cli {

feeds::FetchLimits fetch_limits(const Config& config);
feeds::ParseLimits parse_limits(const Config& config);

}  // namespace broadsheet::cli
