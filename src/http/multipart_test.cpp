#include "http/multipart.hpp"

#include <gtest/gtest.h>

namespace broadsheet::http {
namespace {

// A body as Chromium sends the desk's import form.
const std::string kBrowserBody =
    "------WebKitFormBoundaryX3b\r\n"
    "Content-Disposition: form-data; name=\"csrf_token\"\r\n"
    "\r\n"
    "abc123\r\n"
    "------WebKitFormBoundaryX3b\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"readers.csv\"\r\n"
    "Content-Type: text/csv\r\n"
    "\r\n"
    "email,name\r\nada@example.org,Ada\r\n\r\n"
    "------WebKitFormBoundaryX3b\r\n"
    "Content-Disposition: form-data; name=\"map.email\"\r\n"
    "\r\n"
    "\r\n"
    "------WebKitFormBoundaryX3b--\r\n";

std::string message_of(std::string_view boundary, std::string_view body,
                       const MultipartLimits& limits = {}) {
  auto parts = parse_multipart(boundary, body, limits);
  if (parts) return "parsed";
  EXPECT_EQ(parts.error().code, Errc::invalid_argument);
  return parts.error().message;
}

TEST(Multipart, ReadsABrowsersForm) {
  auto parts = parse_multipart("----WebKitFormBoundaryX3b", kBrowserBody);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "csrf_token");
  EXPECT_FALSE((*parts)[0].filename.has_value());
  EXPECT_EQ((*parts)[0].body, "abc123");
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename, "readers.csv");
  EXPECT_EQ((*parts)[1].content_type, "text/csv");
  // The file's own line ends and trailing blank line are its bytes, kept as they are.
  EXPECT_EQ((*parts)[1].body, "email,name\r\nada@example.org,Ada\r\n");
  EXPECT_EQ((*parts)[2].body, "");
  ASSERT_NE(find_part(*parts, "map.email"), nullptr);
  EXPECT_EQ(find_part(*parts, "missing"), nullptr);
  // The bodies are views into the request's bytes, not copies.
  EXPECT_GE((*parts)[1].body.data(), kBrowserBody.data());
  EXPECT_LE((*parts)[1].body.data() + (*parts)[1].body.size(),
            kBrowserBody.data() + kBrowserBody.size());
}

TEST(Multipart, ReadsTheRequestsContentType) {
  Request r;
  r.headers.emplace_back(
      "content-type", "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"----WebKitFormBoundaryX3b\"");
  r.body = kBrowserBody;
  auto parts = parse_multipart(r);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ(parts->size(), 3u);
  r.headers.clear();
  EXPECT_EQ(parse_multipart(r).error().message,
            "the request has no Content-Type (multipart/form-data)");
}

TEST(Multipart, NoFileChosenIsAnEmptyFilename) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n\r\n--b--";
  auto parts = parse_multipart("b", body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ((*parts)[0].filename, "");
  EXPECT_EQ((*parts)[0].body, "");
}

TEST(Multipart, KeepsBackslashesAndUtf8InFileNames) {
  const std::string body =
      "--b\r\ncontent-disposition: form-data; filename=\"C:\\lists\\lecteurs "
      "\xc3\xa9t\xc3\xa9.csv\";"
      " name=\"file\"\r\n\r\nx\r\n--b--\r\nan epilogue, ignored";
  auto parts = parse_multipart("b", body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ((*parts)[0].filename, "C:\\lists\\lecteurs \xc3\xa9t\xc3\xa9.csv");
}

TEST(Multipart, ABoundaryInsideTheContentIsNotOneUnlessAtALineStart) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx--b\ny\r\n-b\r\n--b--";
  auto parts = parse_multipart("b", body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ((*parts)[0].body, "x--b\ny\r\n-b");
}

TEST(Multipart, NamesEachMalformationOfTheContentType) {
  EXPECT_EQ(multipart_boundary("text/csv").error().message,
            "the Content-Type is \"text/csv\", not multipart/form-data");
  EXPECT_EQ(multipart_boundary("multipart/form-data").error().message,
            "the Content-Type multipart/form-data has no boundary");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=").error().message,
            "the Content-Type multipart/form-data has no boundary");
  EXPECT_EQ(
      multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')).error().message,
      "the boundary is longer than 70 characters");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"a<b\"").error().message,
            "the boundary holds a character that RFC 2046 does not allow");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"ab").error().message,
            "the Content-Type: the value of \"boundary\" has no closing quote");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=a; boundary=b").error().message,
            "the Content-Type: \"boundary\" is given twice");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary").error().message,
            "the Content-Type: a parameter that is not name=value");
  EXPECT_EQ(*multipart_boundary("multipart/form-data;boundary=a'()+_,-./:=?"), "a'()+_,-./:=?");
}

TEST(Multipart, NamesEachMalformationOfTheBody) {
  const std::string head = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n";
  EXPECT_EQ(message_of("b", "preamble\r\n--b\r\n"), "the body does not begin with the boundary");
  EXPECT_EQ(message_of("b", "--b--"), "the form has no fields (the final boundary comes first)");
  EXPECT_EQ(message_of("b", "--b"), "the body ends without the final boundary");
  EXPECT_EQ(message_of("b", "--bc\r\n"), "part 1: text after the boundary on its line");
  EXPECT_EQ(message_of("b", head + "x"), "part 1: the body ends before the final boundary");
  EXPECT_EQ(message_of("b", head + "x\r\n--b"), "the body ends without the final boundary");
  EXPECT_EQ(message_of("b", head + "x\r\n--b\r\n"), "part 2: the body ends in the part's headers");
  EXPECT_EQ(message_of("b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX"),
            "part 1: the body ends in the part's headers");
  EXPECT_EQ(message_of("b", "--b\r\n\r\nx\r\n--b--"), "part 1: no Content-Disposition header");
  EXPECT_EQ(message_of("b", "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"),
            "part 1: no Content-Disposition header");
  EXPECT_EQ(message_of("b", "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--"),
            "part 1: a header without a field name (Content-Disposition has no name=)");
  EXPECT_EQ(message_of("b", "--b\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--b--"),
            "part 1: a header without a field name (Content-Disposition has no name=)");
  EXPECT_EQ(message_of("b", "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--"),
            "part 1: the Content-Disposition is \"attachment\", not form-data");
  EXPECT_EQ(message_of("b", "--b\r\nContent-Disposition form-data\r\n\r\nx\r\n--b--"),
            "part 1: the header line \"Content-Disposition form-data\" has no ':'");
  EXPECT_EQ(message_of("b", "--b\r\n: x\r\n\r\nx\r\n--b--"), "part 1: a header without a name");
  EXPECT_EQ(message_of("b", "--b\r\nX Y: x\r\n\r\nx\r\n--b--"),
            "part 1: the header name \"X Y\" is not a token");
  EXPECT_EQ(
      message_of("b", "--b\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nx\r\n--b--"),
      "part 1: a header line folded onto the next (not allowed)");
  EXPECT_EQ(
      message_of("b", "--b\r\nContent-Disposition: form-data; name=\"a\nb\"\r\n\r\nx\r\n--b--"),
      "part 1: the header Content-Disposition holds a control character");
  EXPECT_EQ(
      message_of("b", "--b\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nx\r\n--b--"),
      "part 1: the header Content-Disposition is not valid UTF-8");
  EXPECT_EQ(message_of("b", head + "x\r\n--b\r\nContent-Disposition: form-data; name=\"c\"\r\n"
                                   "Content-Disposition: form-data; name=\"d\"\r\n\r\ny\r\n--b--"),
            "part 2: two Content-Disposition headers");
  EXPECT_EQ(
      message_of("b", "--b\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nx\r\n--b--"),
      "part 1's Content-Disposition: \"name\" is given twice");
}

TEST(Multipart, KeepsToItsBounds) {
  std::string body;
  for (int i = 0; i < 4; ++i)
    body += "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n";
  body += "--b--";
  EXPECT_EQ(message_of("b", body, {.max_parts = 3}), "more than 3 parts");
  EXPECT_EQ(message_of("b", body, {.max_parts = 4}), "parsed");
  const std::string long_header =
      "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + std::string(200, 'p') +
      "\r\n\r\nx\r\n--b--";
  EXPECT_EQ(message_of("b", long_header, {.max_header_bytes = 100}),
            "part 1: headers longer than 100 bytes");
  EXPECT_EQ(message_of("b", long_header, {.max_header_bytes = 300}), "parsed");
}

}  // namespace
}  // namespace broadsheet::http
