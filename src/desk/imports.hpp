// The desk's import page (issue 14 item 4): a CSV file of readers into a newsletter,
// run in the background by the API's imports (admin/api_imports.hpp, the code of
// `broadsheet import`). The page's script sends the file and follows the job:
//
//   GET  /admin/imports               desk_audience: the form (file, newsletter,
//                                     confirmed, column mapping), a progress bar, the
//                                     report and the link to the rejected rows
//   POST /admin/api/imports?(the query of POST /api/v1/imports)  desk_audience, the
//                                     file as text/csv with X-CSRF-Token: 202 {"id",...}
//   GET  /admin/api/imports/{id}      desk_read: the job as GET /api/v1/imports/{id}
//   GET  /admin/imports/{id}/errors.csv  desk_read: its rejected rows ("line,reason")
//
// The three last are the API's handlers under desk permissions (app/routes.cpp). A
// browser without JavaScript cannot send the file here (forms send multipart, which
// this server does not read); the page says so and names `broadsheet import`.
#pragma once

#include "desk/readers.hpp"

namespace broadsheet::desk {

http::Response imports_page(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
