#include "address/address.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace broadsheet::address {
namespace {

using namespace std::string_literals;

constexpr AddressPolicy kStrict{};
constexpr AddressPolicy kSpecialUse{.allow_special_use_domains = true};
constexpr AddressPolicy kUtf8Local{.allow_utf8_local_part = true};

// One row: `want` is the normalised address, or empty when the input must be refused
// with a message containing `error`. `why` names the rule the row exercises.
struct Case {
  std::string input;
  std::string want;
  std::string error;
  std::string why;
  AddressPolicy policy = kStrict;
};

Case ok(std::string input, std::string want, std::string why, AddressPolicy p = kStrict) {
  return {std::move(input), std::move(want), "", std::move(why), p};
}
Case bad(std::string input, std::string error, std::string why, AddressPolicy p = kStrict) {
  return {std::move(input), "", std::move(error), std::move(why), p};
}

std::string repeat(std::string_view unit, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return s;
}

// A domain of exactly `n` octets: labels of 62 'a's, a shorter last one, then ".com".
// REQUIRES: n >= 6.
std::string domain_of_length(std::size_t n) {
  std::string d;
  std::size_t body = n - 4;
  while (body > 63) {
    d += std::string(62, 'a') + ".";
    body -= 63;
  }
  return d + std::string(body, 'a') + ".com";
}

// Messages echo the typed domain; the test data below uses these fragments.
const std::string kNoAt = "needs an @";
const std::string kTwoAts = "more than one @";
const std::string kReserved = "is reserved and cannot receive mail";
const std::string kBadLocalChar = "which is not allowed in an address";
const std::string kBadDomainChar = "only letters, digits, hyphens and dots";
const std::string kNoTld = "does not end in a name";
const std::string kNoDot = "needs a dot";
const std::string kControl = "control character";
const std::string kUtf8 = "not valid UTF-8";
const std::string kNonAscii = "non-ASCII";
const std::string kIdn = "not a valid internationalised domain name";
const std::string kLongLocal = "longer than 64 characters";
const std::string kLongLabel = "longer than 63 characters";
const std::string kLongDomain = "domain is longer than 253 characters";
const std::string kLongAddress = "address is longer than 254 characters";
const std::string kHyphen = "start or end with a hyphen";
const std::string kInvisible = "invisible or direction-changing";

std::vector<Case> valid_cases() {
  std::vector<Case> v = {
      ok("user@domain.com", "user@domain.com", "plain address"),
      ok("first.last@domain.com", "first.last@domain.com", "dot between atoms"),
      ok("a.b.c.d@domain.com", "a.b.c.d@domain.com", "several dots"),
      ok("a@b.co", "a@b.co", "shortest usual form"),
      ok("user+tag@domain.com", "user+tag@domain.com", "plus addressing"),
      ok("user-name@domain.com", "user-name@domain.com", "hyphen in local part"),
      ok("1234567890@domain.com", "1234567890@domain.com", "digits only local part"),
      ok("USER@DOMAIN.COM", "USER@domain.com", "domain lowercased, local case kept"),
      ok("MiXeD.Case@Sub.Domain.Org", "MiXeD.Case@sub.domain.org", "mixed case"),
      ok("user@sub.domain.co.uk", "user@sub.domain.co.uk", "many labels"),
      ok("user@a-b.com", "user@a-b.com", "hyphen inside a label"),
      ok("user@a--b.com", "user@a--b.com", "two hyphens inside a label"),
      ok("user@123.com", "user@123.com", "numeric label that is not the TLD"),
      ok("user@1.2.3.com", "user@1.2.3.com", "numeric labels before a TLD"),
      ok("user@domain.a1b", "user@domain.a1b", "TLD with a digit that ends in a letter"),
      ok("user@x.io", "user@x.io", "one-letter label"),
      ok("  user@domain.com  ", "user@domain.com", "surrounding spaces trimmed"),
      ok("\tuser@domain.com\n", "user@domain.com", "tab and newline trimmed"),
      ok("\r\nuser@domain.com\r\n", "user@domain.com", "CRLF around trimmed"),
      ok("\f\vuser@domain.com \t ", "user@domain.com", "form feed, vertical tab trimmed"),
      ok("user@test.com", "user@test.com", "'test' as a label, not the TLD"),
      ok("user@notexample.com", "user@notexample.com", "not a subdomain of example.com"),
      ok("user@example.co", "user@example.co", "example.co is not reserved"),
      ok("user@example.com.au", "user@example.com.au", "example.com.au is not reserved"),
      ok("user@local.de", "user@local.de", "'local' as a label, not the TLD"),
      ok("user@onion.org", "user@onion.org", "'onion' as a label, not the TLD"),
      ok("user@arpa.net", "user@arpa.net", "'arpa' as a label, not the TLD"),
      ok("user@altavista.com", "user@altavista.com", "'alt' prefix is not the alt TLD"),
      ok("postmaster@domain.com", "postmaster@domain.com", "role address"),
      ok("x@domain.museum", "x@domain.museum", "long TLD"),
  };
  // Every atext symbol RFC 5322 allows in a dot-atom, one row each.
  for (char c : std::string("!#$%&'*+-/=?^_`{|}~")) {
    v.push_back(
        ok("a"s + c + "b@domain.com", "a"s + c + "b@domain.com", "atext symbol '"s + c + "'"));
  }
  v.push_back(ok("!#$%&'*+-/=?^_`{|}~@domain.com", "!#$%&'*+-/=?^_`{|}~@domain.com",
                 "all atext symbols together"));
  return v;
}

std::vector<Case> idn_cases() {
  return {
      ok("user@bücher.de", "user@xn--bcher-kva.de", "Unicode domain to A-label"),
      ok("user@BÜCHER.DE", "user@xn--bcher-kva.de", "Unicode domain lowercased"),
      ok("User@Bücher.De", "User@xn--bcher-kva.de", "local case kept with IDN"),
      ok("user@xn--bcher-kva.de", "user@xn--bcher-kva.de", "A-label accepted as is"),
      ok("user@XN--BCHER-KVA.DE", "user@xn--bcher-kva.de", "uppercase A-label lowercased"),
      ok("user@münchen.de", "user@xn--mnchen-3ya.de", "umlaut"),
      ok("user@faß.de", "user@xn--fa-hia.de", "sharp s kept (non-transitional)"),
      ok("user@ß.de", "user@xn--zca.de", "lone sharp s (non-transitional)"),
      ok("user@日本.jp", "user@xn--wgv71a.jp", "CJK label"),
      ok("user@президент.рф", "user@xn--d1abbgf6aiiy.xn--p1ai", "Cyrillic with IDN TLD"),
      ok("user@xn--d1abbgf6aiiy.xn--p1ai", "user@xn--d1abbgf6aiiy.xn--p1ai",
         "A-label TLD ends in a letter"),
      ok("user@ｍａｉｌ.de", "user@mail.de", "fullwidth letters map to ASCII"),
      ok("user@bu\u0308cher.de", "user@xn--bcher-kva.de", "decomposed input normalised"),
      ok("user@bücher。de", "user@xn--bcher-kva.de", "ideographic full stop is a dot"),
      bad("user@xn--zz.de", kIdn, "broken Punycode A-label"),
      bad("user@-bücher.de", kIdn, "IDN label with leading hyphen"),
      bad("user@☃.com", kIdn, "symbol not allowed by IDNA2008"),
      bad("user@bü_cher.de", kBadDomainChar, "underscore survives IDN, refused after"),
      bad("user@bücher..de", "two dots in a row", "empty label in a Unicode domain"),
      bad("user@bücher.de。", "cannot end with a dot", "trailing ideographic full stop"),
      bad("user@\u200b.de", "cannot start with a dot", "label of only a zero-width space"),
      bad("user@bücher.test", kReserved, "reserved TLD after IDN"),
      ok("user@" + std::string(55, 'a') + "ü.de", "user@xn--" + std::string(55, 'a') + "-8yf.de",
         "A-label of exactly 63"),
      bad("user@" + std::string(56, 'a') + "ü.de", kLongLabel, "A-label grows to 64"),
      bad("user@" + repeat(std::string(40, 'a') + "ü.", 6) + "de", kLongDomain,
          "domain grows past 253 in conversion"),
      ok(std::string(64, 'a') + "@" + repeat("bücher.", 13) + "de",
         std::string(64, 'a') + "@" + repeat("xn--bcher-kva.", 13) + "de", "249 octets after IDN"),
      bad(std::string(64, 'a') + "@" + repeat("bücher.", 14) + "de", kLongAddress,
          "under 254 as typed, 263 after IDN"),
  };
}

std::vector<Case> local_part_cases() {
  return {
      bad("\"user\"@domain.com", "quoted", "quoted local part"),
      bad("\"a@b\"@domain.com", "quoted", "quoted local part holding @"),
      bad("\"\"@domain.com", "quoted", "empty quoted local part"),
      bad("\"john doe\"@domain.com", "quoted", "quoted local part with a space"),
      bad("@domain.com", "part before @ is empty", "empty local part"),
      bad(".user@domain.com", "cannot start with a dot", "leading dot"),
      bad("user.@domain.com", "cannot end with a dot", "trailing dot"),
      bad("us..er@domain.com", "two dots in a row", "double dot"),
      bad("a...b@domain.com", "two dots in a row", "triple dot"),
      bad(".@domain.com", "cannot start with a dot", "only a dot"),
      bad("us er@domain.com", "a space", "space inside"),
      bad("(comment)user@domain.com", kBadLocalChar, "RFC 5322 comment"),
      bad("user(comment)@domain.com", kBadLocalChar, "trailing comment"),
      bad("a,b@domain.com", kBadLocalChar, "comma"),
      bad("a;b@domain.com", kBadLocalChar, "semicolon"),
      bad("a:b@domain.com", kBadLocalChar, "colon"),
      bad("a<b@domain.com", kBadLocalChar, "less-than"),
      bad("a>b@domain.com", kBadLocalChar, "greater-than"),
      bad("a[b@domain.com", kBadLocalChar, "opening bracket"),
      bad("a]b@domain.com", kBadLocalChar, "closing bracket"),
      bad("a\\b@domain.com", kBadLocalChar, "backslash"),
      bad("a\"b@domain.com", kBadLocalChar, "quote inside"),
      bad("<user@domain.com>", kBadLocalChar, "angle brackets around the address"),
      bad("Name <user@domain.com>", "a space", "a mailbox, not an address"),
      ok(std::string(64, 'a') + "@domain.com", std::string(64, 'a') + "@domain.com",
         "local part of exactly 64"),
      bad(std::string(65, 'a') + "@domain.com", kLongLocal, "local part of 65"),
      bad(std::string(200, 'a') + "@domain.com", kLongLocal, "local part of 200"),
      bad("jösé@domain.com", kNonAscii, "Unicode local part without SMTPUTF8"),
      bad("用户@domain.com", kNonAscii, "CJK local part without SMTPUTF8"),
      bad("userü@bücher.de", kNonAscii, "Unicode local with IDN domain, strict"),
      ok("jösé@domain.com", "jösé@domain.com", "Unicode local part allowed", kUtf8Local),
      ok("用户@domain.com", "用户@domain.com", "CJK local part allowed", kUtf8Local),
      ok("δοκιμή@bücher.de", "δοκιμή@xn--bcher-kva.de", "Greek local, IDN domain", kUtf8Local),
      ok("José.García+news@domain.com", "José.García+news@domain.com", "Unicode mixed with atext",
         kUtf8Local),
      ok(repeat("é", 32) + "@domain.com", repeat("é", 32) + "@domain.com", "64 octets of Unicode",
         kUtf8Local),
      bad(repeat("é", 32) + "a@domain.com", kLongLocal, "65 octets of Unicode", kUtf8Local),
      bad(".jösé@domain.com", "cannot start with a dot", "dot rules still apply", kUtf8Local),
      bad("jö..sé@domain.com", "two dots in a row", "double dot in Unicode", kUtf8Local),
      bad("jö sé@domain.com", "a space", "space still refused", kUtf8Local),
      bad("a\u200bb@domain.com", kInvisible, "zero-width space", kUtf8Local),
      bad("a\u200db@domain.com", kInvisible, "zero-width joiner", kUtf8Local),
      bad("a\u202eb@domain.com", kInvisible, "right-to-left override", kUtf8Local),
      bad("a\u2066b@domain.com", kInvisible, "left-to-right isolate", kUtf8Local),
      bad("\ufeffab@domain.com", kInvisible, "byte order mark", kUtf8Local),
      bad("a\u00adb@domain.com", kInvisible, "soft hyphen", kUtf8Local),
      bad("a\u2028b@domain.com", kInvisible, "line separator", kUtf8Local),
  };
}

std::vector<Case> structure_cases() {
  return {
      bad("", "empty", "empty input"),
      bad("   ", "empty", "only spaces"),
      bad("\t\r\n", "empty", "only white space"),
      bad("userdomain.com", kNoAt, "no @"),
      bad("user", kNoAt, "a bare name"),
      bad("user at domain.com", kNoAt, "spelled-out at"),
      bad("user@@domain.com", kTwoAts, "doubled @"),
      bad("a@b@domain.com", kTwoAts, "two @ apart"),
      bad("user@domain.com@", kTwoAts, "trailing @"),
      bad("@", "part before @ is empty", "only @"),
      bad("user@", "part after @ is empty", "empty domain"),
      bad("user@ ", "part after @ is empty", "domain trimmed to nothing"),
      bad("us\ter@domain.com", kControl, "tab inside"),
      bad("user@dom\nain.com", kControl, "line feed inside"),
      bad("user@domain.com\r\nBcc: x@y.com", kControl, "header injection attempt"),
      bad("a\0b@domain.com"s, kControl, "NUL inside"),
      bad("user\x7f@domain.com", kControl, "DEL"),
      bad("user\x01@domain.com", kControl, "SOH"),
      bad("user\x1b[31m@domain.com", kControl, "terminal escape"),
      bad("user\u0085@domain.com", kControl, "C1 next-line, strict"),
      bad("user\u0085@domain.com", kControl, "C1 next-line, SMTPUTF8", kUtf8Local),
      bad("user@dom\u009bain.com", kControl, "C1 in the domain"),
      bad("us\xff"
          "er@domain.com",
          kUtf8, "0xFF byte"),
      bad("user@dom\xc3.com", kUtf8, "truncated sequence"),
      bad("\xc0\xafuser@domain.com", kUtf8, "overlong slash"),
      bad("\xed\xa0\x80@domain.com", kUtf8, "UTF-16 surrogate"),
      bad("user@domain.com\xe2\x82", kUtf8, "truncated at the end"),
      bad(std::string(2000, 'a') + "@domain.com", kLongAddress, "huge input"),
  };
}

std::vector<Case> domain_cases() {
  return {
      bad("user@[1.2.3.4]", "IP address", "IPv4 literal"),
      bad("user@[192.168.0.1]", "IP address", "private IPv4 literal"),
      bad("user@[IPv6:2001:db8::1]", "IP address", "IPv6 literal"),
      bad("user@1.2.3.4", kNoTld, "bare IPv4"),
      bad("user@domain.123", kNoTld, "numeric TLD"),
      bad("user@domain.c1", kNoTld, "TLD ending in a digit"),
      bad("user@localhost", kNoDot, "single label localhost"),
      bad("user@com", kNoDot, "bare TLD"),
      bad("user@domain", kNoDot, "intranet name"),
      bad("user@domain.com.", "cannot end with a dot", "trailing root dot"),
      bad("user@.domain.com", "cannot start with a dot", "leading dot"),
      bad("user@domain..com", "two dots in a row", "empty label"),
      bad("user@.", "cannot end with a dot", "only a dot"),
      bad("user@-domain.com", kHyphen, "leading hyphen"),
      bad("user@domain-.com", kHyphen, "trailing hyphen"),
      bad("user@domain.-com", kHyphen, "TLD with leading hyphen"),
      bad("user@domain.com-", kHyphen, "TLD with trailing hyphen"),
      bad("user@dom_ain.com", kBadDomainChar, "underscore"),
      bad("user@dom ain.com", kBadDomainChar, "space in the domain"),
      bad("user@domain.com/x", kBadDomainChar, "slash"),
      bad("user@domain,com", kBadDomainChar, "comma for a dot"),
      bad("user@dom!ain.com", kBadDomainChar, "exclamation mark"),
      bad("user@domain.com:25", kBadDomainChar, "port"),
      bad("user@domain.com>", kBadDomainChar, "stray bracket"),
      bad("user@(comment)domain.com", kBadDomainChar, "comment in the domain"),
      ok("user@" + std::string(63, 'a') + ".com", "user@" + std::string(63, 'a') + ".com",
         "label of exactly 63"),
      bad("user@" + std::string(64, 'a') + ".com", kLongLabel, "label of 64"),
      bad("user@domain." + std::string(64, 'c'), kLongLabel, "TLD of 64"),
      ok("a@" + domain_of_length(252), "a@" + domain_of_length(252), "address of exactly 254"),
      bad("a@" + domain_of_length(253), kLongAddress, "domain 253, address 255"),
      bad("a@" + domain_of_length(254), kLongDomain, "domain of 254"),
      bad("a@" + domain_of_length(400), kLongDomain, "domain of 400"),
      ok(std::string(64, 'a') + "@" + domain_of_length(189),
         std::string(64, 'a') + "@" + domain_of_length(189), "64 + 1 + 189 = 254"),
      bad(std::string(64, 'a') + "@" + domain_of_length(190), kLongAddress, "64 + 1 + 190 = 255"),
  };
}

std::vector<Case> special_use_cases() {
  std::vector<Case> v;
  for (std::string d : {"x.test", "x.invalid", "x.localhost", "printer.local", "hidden.onion",
                        "1.0.168.192.in-addr.arpa", "router.home.arpa", "x.example",
                        "corp.internal", "x.alt", "example.com", "example.net", "example.org",
                        "mail.example.com", "a.b.example.org", "EXAMPLE.COM", "Test.Example.NET"}) {
    v.push_back(bad("user@" + d, kReserved, "reserved: " + d));
    std::string lower = d;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    v.push_back(ok("user@" + d, "user@" + lower, "allowed by policy: " + d, kSpecialUse));
  }
  v.push_back(bad("user@localhost", kNoDot, "policy does not lift the dot rule", kSpecialUse));
  v.push_back(bad("user@[1.2.3.4]", "IP address", "policy does not allow IPs", kSpecialUse));
  v.push_back(bad("user@x.test", kReserved, "SMTPUTF8 policy does not allow test", kUtf8Local));
  v.push_back(ok("jösé@example.com", "jösé@example.com", "both flags",
                 AddressPolicy{.allow_special_use_domains = true, .allow_utf8_local_part = true}));
  return v;
}

std::vector<Case> all_cases() {
  std::vector<Case> all;
  for (auto part : {valid_cases(), idn_cases(), local_part_cases(), structure_cases(),
                    domain_cases(), special_use_cases()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

TEST(ParseEmail, Table) {
  auto cases = all_cases();
  EXPECT_GE(cases.size(), 150u);
  for (const Case& c : cases) {
    SCOPED_TRACE("input '" + c.input + "': " + c.why);
    auto got = parse_email(c.input, c.policy);
    if (!c.want.empty()) {
      EXPECT_TRUE(got.ok()) << got.error().message;
      if (got.ok()) {
        EXPECT_EQ(got->normalized, c.want);
      }
      continue;
    }
    EXPECT_FALSE(got.ok()) << "accepted as " << got->normalized;
    if (got.ok()) continue;
    EXPECT_EQ(got.error().code, Errc::invalid_argument);
    EXPECT_NE(got.error().message.find(c.error), std::string::npos) << got.error().message;
    // An error quotes at most 100 bytes of input, so no message runs long.
    EXPECT_LE(got.error().message.size(), 220u) << got.error().message;
    EXPECT_EQ(got.error().message.find('\n'), std::string::npos);
  }
}

TEST(ParseEmail, FillsEveryField) {
  auto got = parse_email("  Jane.Doe@Bücher.DE ");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->normalized, "Jane.Doe@xn--bcher-kva.de");
  EXPECT_EQ(got->display, "Jane.Doe@bücher.de");
  EXPECT_EQ(got->local_part, "Jane.Doe");
  EXPECT_EQ(got->domain, "xn--bcher-kva.de");
}

TEST(ParseEmail, DisplayShowsUnicodeDomain) {
  struct Row {
    std::string input, display;
  };
  for (const Row& r : std::vector<Row>{
           {"user@bücher.de", "user@bücher.de"},
           {"user@xn--bcher-kva.de", "user@bücher.de"},
           {"user@BÜCHER.DE", "user@bücher.de"},
           {"user@xn--d1abbgf6aiiy.xn--p1ai", "user@президент.рф"},
           {"user@faß.de", "user@faß.de"},
           {"user@ｍａｉｌ.de", "user@mail.de"},
           {"User@Domain.COM", "User@domain.com"},
       }) {
    auto got = parse_email(r.input);
    ASSERT_TRUE(got.ok()) << r.input;
    EXPECT_EQ(got->display, r.display) << r.input;
  }
}

TEST(ParseEmail, QuotesAtMostOneHundredBytesOfInput) {
  std::string domain = std::string(60, 'a') + "." + std::string(60, 'b') + ".test";
  auto got = parse_email("user@" + domain);
  ASSERT_FALSE(got.ok());
  const std::string& message = got.error().message;
  EXPECT_NE(message.find(domain.substr(0, 100)), std::string::npos) << message;
  EXPECT_EQ(message.find(domain.substr(0, 101)), std::string::npos) << message;
}

TEST(ParseEmail, CutsQuotedInputOnACharacterBoundary) {
  // 99 ASCII bytes then 'ü' (2 bytes): the cut must not split the ü.
  std::string domain = std::string(60, 'a') + "." + std::string(38, 'a') + "ü.test";
  auto got = parse_email("user@" + domain);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("'" + domain.substr(0, 99) + "…'"), std::string::npos)
      << got.error().message;
}

TEST(MailboxKey, IgnoresTheCaseOfTheLocalPartByDefault) {
  auto upper = parse_email("DEEPAK.Haddad11@Outlook.com");
  auto lower = parse_email("deepak.haddad11@outlook.com");
  ASSERT_TRUE(upper.ok() && lower.ok());
  EXPECT_EQ(upper->normalized, "DEEPAK.Haddad11@outlook.com");  // kept as typed
  EXPECT_EQ(mailbox_key(upper->normalized, MailboxMatch::ignore_local_case),
            mailbox_key(lower->normalized, MailboxMatch::ignore_local_case));
  EXPECT_EQ(mailbox_key(upper->normalized, MailboxMatch::ignore_local_case),
            "deepak.haddad11@outlook.com");
}

TEST(MailboxKey, ExactKeepsTheLocalPartButNeverTheDomainCase) {
  EXPECT_EQ(mailbox_key("Ann@Example.ORG", MailboxMatch::exact), "Ann@example.org");
  EXPECT_NE(mailbox_key("Ann@example.org", MailboxMatch::exact),
            mailbox_key("ann@example.org", MailboxMatch::exact));
}

TEST(MailboxKey, IdnDomainsMatchThroughTheirALabels) {
  auto unicode = parse_email("Ann@Bücher.de");
  auto alabel = parse_email("ann@xn--bcher-kva.de");
  ASSERT_TRUE(unicode.ok() && alabel.ok());
  EXPECT_EQ(mailbox_key(unicode->normalized, MailboxMatch::ignore_local_case),
            mailbox_key(alabel->normalized, MailboxMatch::ignore_local_case));
}

TEST(MailboxKey, NonAsciiLettersOfTheLocalPartAreComparedAsTyped) {
  EXPECT_EQ(mailbox_key("Ünal@example.org", MailboxMatch::ignore_local_case), "Ünal@example.org");
}

}  // namespace
}  // namespace broadsheet::address
