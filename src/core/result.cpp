#include "core/result.hpp"

namespace broadsheet {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::io: return "io";
    case Errc::database: return "database";
    case Errc::config: return "config";
    case Errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace broadsheet
