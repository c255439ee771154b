// CSV imports through the token API (issue 14 items 4 and 7), run in the background by
// admin::ImportJobs with the code of `broadsheet import` (imports/import.hpp). Changes
// need the audience role, reads any role (app/routes.cpp).
//
//   POST /api/v1/imports?newsletter=SLUG&confirmed=&send_confirmations=&strict=
//        &map.email=HEADER&map.name=&map.first_name=&map.last_name=&map.timezone=
//        body: the CSV (Content-Type text/csv, at most kImportBodyLimit bytes); the
//        map.* parameters name the file's column for each of ours when its header is
//        not one the importer knows. 202 {"id","status","url"} with Location; 415 for
//        another type, 409 busy when kMaxQueuedImports wait already
//   GET  /api/v1/imports/{id}  {"id","status" (queued, running, done, failed),
//        "newsletter","bytes","bytes_read","progress" (0 to 1),"rows_read","rejected",
//        "created_at","finished_at","report" (null until done),"error" (null unless
//        failed),"errors_url"}
//   GET  /api/v1/imports/{id}/errors.csv  text/csv "line,reason" of every rejected row
//        (at most kMaxImportErrors)
//
// Errors: {"error":{"code","message"}}. Handlers are plain functions of the request.
#pragma once

#include "admin/api_issues.hpp"

namespace broadsheet::admin {

// 64 MiB: a million readers of a typical export.
inline constexpr std::size_t kImportBodyLimit = 64 * 1024 * 1024;

http::Response api_start_import(ApiContext& ctx, const http::Request& req);
http::Response api_get_import(ApiContext& ctx, const http::Request& req);
http::Response api_import_errors(ApiContext& ctx, const http::Request& req);

}  // namespace broadsheet::admin
