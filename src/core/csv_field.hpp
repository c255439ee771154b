// One field of a CSV record as Broadsheet writes it (`broadsheet export`, the API's
// exports). Pure function; any thread.
#pragma once

#include <string>
#include <string_view>

namespace broadsheet {

// Appends one field to `out`, quoted when it holds a comma, quote or line break. A
// field a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
// return) gets a ' in front, as OWASP recommends: the CSV is read by people's
// spreadsheets, and the fields come from strangers (a sign-up's name).
void csv_append_field(std::string& out, std::string_view field);

}  // namespace broadsheet
