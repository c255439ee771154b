// Store role: the readers as the desk and the API find and manage them (issue 14 item
// 4): search and filters over keyset pages, one reader's whole record, attributes,
// blocking, and erasure. Adding, renaming and subscriptions are the Readers role
// (store/readers.hpp); unsubscribing is Signups::unsubscribe.
//
// Pages are keyset pages in reader id order: `after` is the last id of the page
// before, so a page never skips nor repeats a reader however many are added meanwhile
// (new readers have higher ids and come at the end). A search is a prefix of the
// address or of the name without regard to ASCII case, and is an index range scan.
// Erased readers are never listed nor found.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "store/bounces.hpp"
#include "store/readers.hpp"

namespace broadsheet::store {

// Which readers: every condition is optional and all must hold.
struct ReaderFilter {
  std::string search;                        // prefix of the address or the name; "": any
  std::optional<Id> newsletter_id;           // subscribed to it (any status unless `status`)
  std::optional<SubscriptionStatus> status;  // in `newsletter_id`, else in any newsletter
  std::optional<std::string> zone;           // the zone as the reader gave it ("" : none)
  std::optional<UnixSeconds> signed_up_from;   // created at or after
  std::optional<UnixSeconds> signed_up_until;  // created before
  std::optional<std::string> source_page;    // a consent record from this page
  std::vector<ReaderAttribute> attributes;   // each equal; keys unique
};

struct ConsentRecord {
  Id id = 0;
  std::optional<Id> newsletter_id;  // none: a consent not tied to one (marketing)
  std::string newsletter_slug;
  std::string text_version;
  std::string kind;  // newsletter, marketing
  bool granted = false;
  std::string source_page;
  std::string client_address;  // "" once the reader was erased
  UnixSeconds created_at = 0;
};

// A copy of an issue sent (or to be sent) to the reader.
struct ReaderDelivery {
  Id issue_id = 0;
  std::string issue_subject;
  std::string status;  // queued, sent, deferred, failed
  int attempts = 0;
  std::string last_reply;
  UnixSeconds updated_at = 0;
};

// One reader with everything kept about them; each list newest first and bounded.
struct ReaderRecord {
  SubscriberWithSubscriptions reader;
  std::vector<ConsentRecord> consents;
  std::vector<ReaderDelivery> deliveries;
  std::vector<AuditEntry> audit;
  std::vector<BounceEventRow> bounces;
  std::optional<UnixSeconds> suppressed_since;
};

inline constexpr std::size_t kReaderRecordListLimit = 100;  // per list of a record

class ReaderDirectory {
 public:
  virtual ~ReaderDirectory() = default;

  // REQUIRES: limit >= 1.
  virtual Result<std::vector<Subscriber>> find_readers(const ReaderFilter& f, Id after,
                                                       std::size_t limit) = 0;
  virtual Result<std::size_t> count_readers(const ReaderFilter& f) = 0;
  // Errc::not_found for no reader `id`, or one erased.
  virtual Result<ReaderRecord> reader_record(Id id) = 0;
  // Replaces the reader's attributes. REQUIRES: within core/types.hpp's bounds.
  virtual Status set_attributes(Id id, const std::vector<ReaderAttribute>& attributes) = 0;
  // active or blocked (a blocked reader is sent nothing). Errc::not_found as above.
  virtual Status set_reader_status(Id id, SubscriberStatus status) = 0;
  // Erases the reader's personal data for good (GDPR art. 17), in one transaction: the
  // address, name, zone and attributes, the client addresses of their consent records,
  // the relay replies and bounce diagnostics that may quote the address, their queued
  // emails; audit entries about them then name them by id ("subscriber:ID"). Kept, so
  // counts do not change: the row (as "erased:ID", blocked, every subscription
  // unsubscribed), their deliveries, consent records and bounce events. Kept too: a
  // hash of the mailbox key among the suppressions (as remove_subscriber keeps), so an
  // old file imported again does not subscribe them again; the hash cannot be turned
  // back into the address. Audited as subscriber.erase without the address.
  // Errc::not_found as above.
  virtual Status erase_reader(Id id, const std::string& actor) = 0;
};

}  // namespace broadsheet::store
