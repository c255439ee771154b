// The dkim.keys setting (config/dkim_keys.hpp): parsing, formatting and the rules on
// each entry's domain, selector, algorithm and path.
#include "config/dkim_keys.hpp"

#include <gtest/gtest.h>

namespace broadsheet {
namespace {

TEST(DkimKeySpecs, ParsesAndFormatsTheSetting) {
  auto specs = parse_dkim_key_specs(
      " news.example.com:2026a:rsa:secrets/a.pem , news.example.com:2026e:ed25519:/etc/k:1.pem");
  ASSERT_TRUE(specs.ok()) << specs.error().message;
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].domain, "news.example.com");
  EXPECT_EQ((*specs)[0].selector, "2026a");
  EXPECT_EQ((*specs)[0].algorithm, DkimAlgorithm::rsa_sha256);
  EXPECT_EQ((*specs)[0].key_path, "secrets/a.pem");
  EXPECT_EQ((*specs)[1].algorithm, DkimAlgorithm::ed25519_sha256);
  EXPECT_EQ((*specs)[1].key_path, "/etc/k:1.pem");
  EXPECT_EQ(format_dkim_key_specs(*specs),
            "news.example.com:2026a:rsa:secrets/a.pem,news.example.com:2026e:ed25519:/etc/k:1.pem");
  auto none = parse_dkim_key_specs("  ");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(DkimKeySpecs, RefusesMalformedEntries) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (auto [text, why] : {
           Case{"example.com:s1:rsa", "expected domain:selector:algorithm:path"},
           Case{"example.com:s1:dsa:k.pem", "the algorithm must be rsa or ed25519"},
           Case{"Example.com:s1:rsa:k.pem", "may hold only lowercase"},
           Case{"localhost:s1:rsa:k.pem", "needs at least 2 labels"},
           Case{"192.0.2.1:s1:rsa:k.pem", "IP addresses are not accepted"},
           Case{"news.123:s1:rsa:k.pem", "IP addresses are not accepted"},
           Case{"xn--zz.example.com:s1:rsa:k.pem", "not a valid internationalised domain"},
           Case{"news.xn--a:s1:rsa:k.pem", "not a valid internationalised domain"},
           Case{"ab--cd.example.com:s1:rsa:k.pem", "only an IDN's xn-- A-label may have"},
           Case{"example.com:s_1:rsa:k.pem", "may hold only lowercase"},
           Case{"example.com::rsa:k.pem", "selector must be 1 to 253 characters"},
           Case{"example.com:s1.:rsa:k.pem", "hyphen-edged label"},
           Case{"example.com:-s1:rsa:k.pem", "hyphen-edged label"},
           Case{"example.com:s1:rsa:", "the key file path is empty"},
           Case{"example.com:s1:rsa:a.pem,example.com:s1:ed25519:b.pem",
                "another key has the same domain and selector"},
           Case{"example.com:s1:rsa:a.pem,", "expected domain:selector:algorithm:path"},
       }) {
    auto specs = parse_dkim_key_specs(text);
    ASSERT_FALSE(specs.ok()) << text;
    EXPECT_EQ(specs.error().code, Errc::config);
    EXPECT_NE(specs.error().message.find(why), std::string::npos)
        << text << ": " << specs.error().message;
  }
}

}  // namespace
}  // namespace broadsheet
