#include "render/merge_fields.hpp"

#include <gtest/gtest.h>

#include <random>

#include "mime/mime.hpp"

namespace broadsheet::render {
namespace {

TEST(MergeFields, NamesAndMarkersRoundTrip) {
  for (std::size_t i = 0; i < kReaderFieldCount; ++i) {
    const auto field = static_cast<ReaderField>(i);
    EXPECT_EQ(reader_field_named(field_name(field)), field);
    EXPECT_EQ(field_marker(field).size(), 2u);
    EXPECT_EQ(field_marker(field)[0], '\x01');
  }
  EXPECT_FALSE(reader_field_named("nmae"));
}

TEST(MergeText, FillsPlainText) {
  const std::string text = "Hi " + field_marker(ReaderField::name) + ", bye " +
                           field_marker(ReaderField::email) + field_marker(ReaderField::name);
  const MergeText t = MergeText::compile(text);
  std::string out;
  t.append_plain({"Ann", "a@x", "", "", ""}, out);
  EXPECT_EQ(out, "Hi Ann, bye a@xAnn");
  EXPECT_TRUE(t.uses(ReaderField::email));
  EXPECT_FALSE(t.uses(ReaderField::issue_date));
}

TEST(MergeText, ALinkMarkerIsFilledOnlyWithAnHttpHttpsOrMailtoUrl) {
  const std::string text = "<a href=\"" + link_marker(ReaderField::name) + "\">" +
                           field_marker(ReaderField::name) + "</a>\r\n";
  EXPECT_EQ(marker_field(link_marker(ReaderField::email)), ReaderField::email);
  EXPECT_EQ(marker_field(field_marker(ReaderField::email)), ReaderField::email);
  EXPECT_FALSE(marker_field("x"));
  const MergeText t = MergeText::compile(text);
  EXPECT_TRUE(t.uses(ReaderField::name));
  auto fill = [&](std::string_view name) {
    std::string plain, encoded;
    t.append_plain({name, "", "", "", ""}, plain);
    t.append_quoted_printable({name, "", "", "", ""}, encoded);
    EXPECT_EQ(encoded, mime::quoted_printable(plain));
    return plain;
  };
  EXPECT_EQ(fill("javascript:alert(1)//"), "<a href=\"\">javascript:alert(1)//</a>\r\n");
  EXPECT_EQ(fill("Ann"), "<a href=\"\">Ann</a>\r\n");
  EXPECT_EQ(fill("HTTPS://a.example/"),
            "<a href=\"HTTPS://a.example/\">HTTPS://a.example/</a>\r\n");
  EXPECT_EQ(fill("mailto:a@x"), "<a href=\"mailto:a@x\">mailto:a@x</a>\r\n");
  for (std::string_view bad : {"https:/x", " https://x", "javascript:https://x", "httpx://x"}) {
    EXPECT_FALSE(link_scheme_allowed(bad)) << bad;
  }
}

// Per-line encoding at compile time plus per-reader encoding of the marked lines must
// give exactly what encoding the filled text in one go gives, for any text.
TEST(MergeText, QuotedPrintableEqualsEncodingTheFilledText) {
  std::mt19937 rng(20241129);
  const std::vector<std::string> alphabet = {"a", "b", " ", "\t", "=", ".", "\n", "\r\n", "\r",
                                             "ü", "😀", "-", "_",  "x", "y", "z",  "0"};
  const std::vector<std::string> values = {"",
                                           "Ann",
                                           "Zoë Ångström",
                                           std::string(90, 'v'),
                                           "a b ",
                                           ".dot",
                                           "=3D",
                                           "\t",
                                           "https://x.example/ " + std::string(80, 'p')};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int length = std::uniform_int_distribution<>(0, 400)(rng);
    for (int i = 0; i < length; ++i) {
      if (rng() % 40 == 0) {
        const auto field = static_cast<ReaderField>(rng() % kReaderFieldCount);
        text += rng() % 2 ? field_marker(field) : link_marker(field);
      } else if (rng() % 30 == 0) {
        text += std::string(rng() % 100, 'L');  // long runs force soft breaks
      } else {
        text += alphabet[rng() % alphabet.size()];
      }
    }
    FieldValues v;
    for (auto& value : v) value = values[rng() % values.size()];
    const MergeText t = MergeText::compile(text);
    std::string plain, encoded;
    t.append_plain(v, plain);
    t.append_quoted_printable(v, encoded);
    ASSERT_EQ(encoded, mime::quoted_printable(plain)) << "round " << round;
  }
}

}  // namespace
}  // namespace broadsheet::render
