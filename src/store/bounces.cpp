#include "store/bounces.hpp"

namespace broadsheet::store {

std::string_view to_string(BounceKind k) {
  switch (k) {
    case BounceKind::hard: return "hard";
    case BounceKind::soft: return "soft";
    case BounceKind::complaint: return "complaint";
    case BounceKind::unsubscribe: return "unsubscribe";
  }
  return "hard";
}

std::optional<BounceKind> bounce_kind_from(std::string_view s) {
  for (auto k : {BounceKind::hard, BounceKind::soft, BounceKind::complaint,
                 BounceKind::unsubscribe}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

}  // namespace broadsheet::store
