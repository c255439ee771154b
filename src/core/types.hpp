// Domain types shared by every subsystem. Plain values: no behaviour that needs a
// store, a socket or a clock. Ids are the store's row ids; 0 means "not stored yet".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet {

using Id = std::int64_t;

enum class OptIn { double_opt_in, single_opt_in };

// What an edition whose draft from feeds is still not approved at its first release
// becomes: skipped and recorded (hold), or sent as it is (send).
enum class OnCutoff { hold, send };
std::string_view to_string(OnCutoff c);
std::optional<OnCutoff> on_cutoff_from(std::string_view s);

// A newsletter's drafts from feeds (newsletter update --draft-items, --draft-sections,
// --draft-lead, --on-cutoff; src/drafts/): how many articles, in which order of
// sections, how long before the edition's first release the draft is made, and what
// becomes of an edition whose draft is still not approved at that release. Bounds:
// kMinDraftItems..kMaxDraftItems, kMinDraftLead..kMaxDraftLead; section names hold no
// comma.
struct DraftSettings {
  int items = 10;
  std::vector<std::string> sections;
  UnixSeconds lead = 3 * 3600;
  OnCutoff on_cutoff = OnCutoff::hold;
};
inline constexpr int kMinDraftItems = 1;
inline constexpr int kMaxDraftItems = 50;
inline constexpr UnixSeconds kMinDraftLead = 60;
inline constexpr UnixSeconds kMaxDraftLead = 7 * 24 * 3600;
// "World,Business": the sections as one comma-separated text (how they are stored and
// typed), and back; empty names are dropped, spaces around names trimmed.
std::string join_sections(const std::vector<std::string>& sections);
std::vector<std::string> split_sections(std::string_view text);

struct Newsletter {
  Id id = 0;
  std::string slug;         // [a-z0-9-], 1..64, unique; used in URLs and List-Id
  std::string name;         // shown to readers
  std::string description;  // one or two sentences shown in the sign-up box
  std::string schedule;     // canonical schedule text, see schedule/schedule.hpp
  std::string from_name;    // display name of the From header
  std::string from_address; // address of the From header
  bool is_public = true;    // listed on /newsletters and offered by the sign-up box
  OptIn opt_in = OptIn::double_opt_in;
  // Sent once a subscription is confirmed; no welcome email when the subject is empty.
  std::string welcome_subject;
  std::string welcome_body;  // plain text, paragraphs separated by blank lines
  // The zone of a reader who has none, for a "local" schedule; empty: the publication's
  // (schedule::effective_zone says which zone wins).
  std::string default_timezone;
  // Drafts made by the scheduler from the articles of the newsletter's feeds (only for a
  // recurring schedule), with their settings (kept also while off).
  bool draft_from_feeds = false;
  DraftSettings drafts;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  // Changes whenever what the public archive shows of this newsletter may have changed
  // (an issue's status, the newsletter's own fields), also when another process made
  // the change: the key of the archive's cached pages. Set by the store only.
  std::int64_t archive_version = 0;
};

enum class SubscriberStatus { active, blocked };
enum class SubscriptionStatus { unconfirmed, confirmed, unsubscribed };

std::string_view to_string(SubscriberStatus s);
std::string_view to_string(SubscriptionStatus s);
std::string_view to_string(OptIn o);
std::optional<SubscriberStatus> subscriber_status_from(std::string_view s);
std::optional<SubscriptionStatus> subscription_status_from(std::string_view s);
std::optional<OptIn> opt_in_from(std::string_view s);

struct Subscriber {
  Id id = 0;
  std::string email;          // normalised: trimmed, domain lowercased, IDN as A-labels
  std::string email_display;  // as the reader should see it (Unicode domain)
  std::string name;
  std::string timezone;       // IANA name, empty when unknown
  SubscriberStatus status = SubscriberStatus::active;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

// Something known of a reader beyond name and time zone, for the desk's segments: an
// imported column other providers export (Mailchimp's Country, Substack's plan). Keys
// and values are printable UTF-8; every writer keeps to the bounds below, which the
// store takes as given.
struct ReaderAttribute {
  std::string key;
  std::string value;
};
inline constexpr std::size_t kMaxReaderAttributes = 20;   // per reader
inline constexpr std::size_t kMaxAttributeKeyBytes = 64;
inline constexpr std::size_t kMaxAttributeValueBytes = 500;

struct Subscription {
  Id subscriber_id = 0;
  Id newsletter_id = 0;
  std::string newsletter_slug;  // filled when read back for display
  SubscriptionStatus status = SubscriptionStatus::unconfirmed;
  std::string source;  // where it came from: "import", "cli", "signup:<page>"
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> confirmed_at;
  std::optional<UnixSeconds> unsubscribed_at;
};

// A piece of the publication's journalism; feeds fill this table, the demo writes a few.
struct Article {
  Id id = 0;
  std::string slug;
  std::string title;
  std::string standfirst;  // the summary line under the headline
  std::string author;
  std::string section;
  std::vector<std::string> paragraphs;  // plain text, one entry per paragraph
  std::string url;                      // canonical URL; the link of a feed's article
  UnixSeconds published_at = 0;
  // Of an article polled from a feed (src/feeds/); empty for the publication's own.
  std::optional<Id> feed_id;
  std::string feed_url;  // filled when read back
  std::string guid;      // the feed's id of the item; may be empty
  std::string image;     // absolute URL of its picture; may be empty
};

// An issue of a newsletter: written once in Markdown, sent to every confirmed reader.
enum class IssueStatus { draft, scheduled, sending, paused, sent, cancelled };
std::string_view to_string(IssueStatus s);
std::optional<IssueStatus> issue_status_from(std::string_view s);

struct Issue {
  Id id = 0;
  Id newsletter_id = 0;
  std::string newsletter_slug;  // filled when read back
  std::string subject;          // one line, UTF-8, at most 998 bytes
  std::string preheader;        // the hidden preview line; may be empty
  std::string body_markdown;    // CommonMark with tables
  std::string sponsor_markdown;  // the sponsor block, Markdown; empty: none
  IssueStatus status = IssueStatus::draft;
  // The edition it is tied to, "YYYY-MM-DD" (schedule/editions.hpp), if any.
  std::optional<std::string> edition;
  // The instant a manual newsletter's scheduled issue goes out (issue schedule --at).
  std::optional<UnixSeconds> scheduled_at;
  std::optional<UnixSeconds> started_at;
  std::optional<UnixSeconds> finished_at;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  std::string lease_owner;  // the sender holding it while sending ("host:pid:random")
  std::optional<UnixSeconds> lease_expires_at;
  // Why sending stopped by itself (paused: the relay refuses the configuration), the
  // one line naming the setting to change; empty otherwise.
  std::string stopped_reason;
};

// Where one reader's copy of an issue stands in the delivery log.
enum class DeliveryStatus { queued, sent, deferred, failed };
std::string_view to_string(DeliveryStatus s);

struct AuditEntry {
  Id id = 0;
  UnixSeconds at = 0;
  std::string actor;    // "cli", "user:<name>", "reader:<subscriber id>", "system"
  std::string action;   // "newsletter.add", "import", ...
  std::string subject;  // what was acted on, e.g. a slug or an address
  std::string detail;   // JSON or a short sentence
};

// Who may use the desk and the API, and for what (admin/roles.hpp has the rules):
// admin everything (users, tokens, settings); editor newsletters' content, issues and
// sending; audience readers, imports, exports, segments, suppressions; viewer reads.
enum class UserRole { admin, editor, audience, viewer };
std::string_view to_string(UserRole r);
std::optional<UserRole> user_role_from(std::string_view name);

struct User {
  Id id = 0;
  std::string username;
  std::string password_hash;  // Argon2id, encoded with its parameters
  UserRole role = UserRole::editor;
  UnixSeconds created_at = 0;
};

// An API token as stored: the secret itself is shown once and only its hash is kept.
struct ApiToken {
  Id id = 0;
  Id user_id = 0;
  std::string username;  // of user_id
  UserRole role = UserRole::editor;
  std::string name;      // what the token is for ("newsroom CMS")
  std::string token_hash;
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> last_used_at, revoked_at;
};

// Rules for slugs: lowercase ASCII letters, digits and single hyphens, 1..64 chars,
// starting and ending with a letter or digit.
Status validate_slug(std::string_view slug);

// True when `s` is well-formed UTF-8 without overlong forms or surrogates.
bool is_valid_utf8(std::string_view s);

// True when `s` contains a C0 control character (including CR, LF, NUL) or DEL.
bool has_control_chars(std::string_view s);
// The same, and also a C1 control (U+0080..U+009F), a line or paragraph separator
// (U+2028, U+2029) or a bidirectional embedding, override or isolate (U+202A..U+202E,
// U+2066..U+2069), which can make a line read otherwise than it is written: what one
// line of text shown to people must not hold.
bool has_unprintable_chars(std::string_view s);

// Checks a one-line text someone gives (a name, a subject): valid UTF-8, no control
// characters (so no CR or LF can reach a header), at most `max` bytes.
// Errc::invalid_argument whose message names `what` (an option, a field).
Status check_text(std::string_view what, std::string_view value, std::size_t max);
// Checks a document (a Markdown body): valid UTF-8, no NUL byte, at most `max` bytes.
Status check_document(std::string_view what, std::string_view text, std::size_t max);

// Bounds on what an editor gives an issue. A subject is one header line: RFC 5322
// allows 998 octets, mail clients show about 60 characters, so 250 bytes is generous.
inline constexpr std::size_t kMaxIssueSubject = 250;
inline constexpr std::size_t kMaxIssuePreheader = 300;
inline constexpr std::size_t kMaxIssueBody = 1024 * 1024;
// A sponsor block is an advertisement of a paragraph or two and a link or an image.
inline constexpr std::size_t kMaxIssueSponsor = 4 * 1024;

}  // namespace broadsheet
