// The scheduler's step as the CLI and `serve` build it from the data folder: the
// feeds to poll (feeds/poll.hpp over a libcurl fetcher), the drafts to make
// (drafts/maker.hpp), the releases (scheduler/tick.hpp), with the [schedule] settings.
#pragma once

#include "cli/context.hpp"
#include "drafts/maker.hpp"
#include "feeds/fetch.hpp"
#include "scheduler/tick.hpp"

namespace broadsheet::cli {

// REQUIRES: `ctx` and `fetcher` outlive the parts.
scheduler::TickParts scheduler_parts(Context& ctx, feeds::Fetcher& fetcher,
                                     const std::string& data_dir);
// The drafts maker over the context's store and settings (the draft layouts of
// DATA/templates/draft/, bodies checked as any issue's). REQUIRES: `ctx` outlives them.
drafts::MakerParts maker_parts(Context& ctx, const std::string& data_dir);
scheduler::ReleaseOptions release_options(const Config& config);

// One line for a release report: "issue 3 (morning): released to Asia/Tokyo (due
// 2026-12-07T21:00:00Z): 12 readers", or "... skipped ...".
std::string describe(const scheduler::ReleaseReport& r);

}  // namespace broadsheet::cli
