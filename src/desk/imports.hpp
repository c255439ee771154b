// The desk's import pages (issue 14 item 4): a CSV file of readers into a newsletter,
// run in the background by the API's imports (admin/api_imports.hpp over
// admin/import_jobs.hpp, the code of `broadsheet import`). The form works with and
// without JavaScript:
//
//   GET  /admin/imports               desk_audience: the form (file, newsletter,
//                                     confirmed, column mapping)
//   POST /admin/imports               desk_audience, the form as multipart/form-data
//                                     (http/multipart.hpp) with csrf_token: the file and
//                                     fields handed to POST /api/v1/imports's handler
//                                     (through desk/api_bridge.hpp, so its checks are
//                                     the API's), then 303 to the job's page. Refusals
//                                     come back on the form with the reason (400 an
//                                     unreadable form, no file, a file that is not CSV
//                                     text, a bad field or mapping; 413 a file over
//                                     admin::kImportBodyLimit; 409 busy), nothing queued
//   GET  /admin/imports/{id}          desk_read: the job (GET /api/v1/imports/{id}):
//                                     progress while it runs (the page reloads itself
//                                     every 2 s, <meta http-equiv="refresh">: the desk's
//                                     CSP allows no inline script), then the report with
//                                     the first kShownBadRows rejected rows, or the
//                                     failure on the form again (nothing was imported)
//   POST /admin/api/imports?(the query of POST /api/v1/imports)  desk_audience, the
//                                     file as text/csv with X-CSRF-Token (the page's
//                                     script): 202 {"id",...}
//   GET  /admin/api/imports/{id}      desk_read: the job as GET /api/v1/imports/{id}
//   GET  /admin/imports/{id}/errors.csv  desk_read: its rejected rows ("line,reason")
//
// The three last are the API's handlers under desk permissions (app/routes.cpp). Plain
// functions; safe from any thread.
#pragma once

#include <cstddef>

#include "admin/api_imports.hpp"
#include "desk/context.hpp"
#include "http/message.hpp"

namespace broadsheet::desk {

// The form's fields besides the file: the route's body limit is the file's plus this.
inline constexpr std::size_t kImportFormSlack = 64 * 1024;
inline constexpr std::size_t kImportFormBodyLimit = admin::kImportBodyLimit + kImportFormSlack;
// Rejected rows listed on the job's page; the CSV has them all.
inline constexpr std::size_t kShownBadRows = 100;

http::Response imports_page(DeskContext& ctx, const http::Request& request);
http::Response import_post(DeskContext& ctx, const http::Request& request);
http::Response import_job_page(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
