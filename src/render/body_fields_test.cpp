#include "render/body_fields.hpp"

#include <gtest/gtest.h>

#include "core/types.hpp"

namespace broadsheet::render {
namespace {

TEST(BodyFields, ReaderSectionsAreForEmailsOrTheWebOnly) {
  auto v = resolve_sections(
      "Hello {{name}}.\n{{#reader}}\nYou signed up with {{email}}.\n{{/reader}}\n"
      "{{^reader}}Sign up at {{web_version_url}}.{{/reader}} End.\n");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->email, "Hello {{name}}.\nYou signed up with {{email}}.\n End.\n");
  EXPECT_EQ(v->web, "Hello {{name}}.\nSign up at {{web_version_url}}. End.\n");
}

TEST(BodyFields, UnsupportedTagsAndUnknownFieldsNameTheirLine) {
  struct Case {
    const char* body;
    const char* expected;
  } cases[] = {
      {"Hi\n\n{{^web}}x{{/web}}\n", "line 3: {{^web}} is not supported"},
      {"Hi {{first_name}}\n", "line 1: unknown merge field {{first_name}}"},
      {"a\n`code` and {{nmae | default: \"x\"}}\n", "line 2: unknown merge field"},
      {"{{#reader}}a\n{{#reader}}b{{/reader}}", "line 2: {{#reader}} inside another section"},
      {"a\n{{#reader}}b\n", "line 2: {{#reader}} is not closed"},
      {"a {{/reader}}", "line 1: {{/reader}} closes no section"},
      {"{{first name}}", "line 1: {{first name}} is not a merge field"},
      {"{{name | default: reader}}", "is not a merge field"},
      {"{{name | default: \"a\"}}\n{{name | default: \"b\"}}", "line 2: {{name}} has two defaults"},
      {"{{> partial}}", "is not supported"},
  };
  for (const auto& c : cases) {
    auto st = check_issue_body(c.body);
    ASSERT_FALSE(st.ok()) << c.body;
    EXPECT_NE(st.error().message.find(c.expected), std::string::npos)
        << c.body << " -> " << st.error().message;
    EXPECT_NE(st.error().message.find("publication_name"), std::string::npos);
  }
}

TEST(BodyFields, TheReaderFieldsComeFirstInTheirOrder) {
  for (std::size_t i = 0; i < markdown::kReaderFieldCount; ++i) {
    EXPECT_EQ(kBodyFields[i], markdown::field_name(static_cast<markdown::ReaderField>(i)));
  }
}

TEST(BodyFields, ValidBodiesPass) {
  for (const char* body :
       {"Hi {{name | default: \"reader\"}}, {{ name }} and {{{email}}}.",
        "[Manage]({{preferences_url}}) {{#reader}}You are {{email}}.{{/reader}}",
        "`{{^web}}` is Mustache", "{ {name} } {{ }}", "| a |\n|---|\n| {{newsletter_name}} |\n"}) {
    if (std::string_view(body).find("^web") != std::string_view::npos) {
      EXPECT_FALSE(check_issue_body(body).ok()) << "sections are read in code too";
      continue;
    }
    auto st = check_issue_body(body);
    EXPECT_TRUE(st.ok()) << body << ": " << (st.ok() ? "" : st.error().message);
  }
}

TEST(BodyFields, ASponsorBlockIsCheckedAsABodyAndBounded) {
  EXPECT_TRUE(check_issue_sponsor("**Acme** for {{name}}: [20% off](https://acme.example/)").ok());
  auto st = check_issue_sponsor(std::string(kMaxIssueSponsor + 1, 'x'));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "the sponsor block is 4097 bytes; it may have at most 4096 (4 KiB)");
  EXPECT_TRUE(check_issue_sponsor(std::string(kMaxIssueSponsor, 'x')).ok());
  st = check_issue_sponsor(" \n\t\n");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("is empty"), std::string::npos);
  st = check_issue_sponsor("Buy\n\n{{first_name}}");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("line 3: unknown merge field {{first_name}}"),
            std::string::npos)
      << st.error().message;
}

}  // namespace
}  // namespace broadsheet::render
