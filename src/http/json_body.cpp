#include "http/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include "core/types.hpp"

namespace broadsheet::http {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// The handler of the checking pass: counts values, keeps nothing.
struct Counter {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::size_t values = 0;
  std::size_t max_values = 0;

  bool value(error_code& ec) {
    if (++values <= max_values) return true;
    ec = json::error::exception;  // any code: the pass stops and the reason is ours
    return false;
  }
  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code& ec) { return value(ec); }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_object_begin(error_code& ec) { return value(ec); }
  bool on_object_end(std::size_t, error_code&) { return true; }
  bool on_string_part(json::string_view, std::size_t, error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, error_code& ec) { return value(ec); }
  bool on_key_part(json::string_view, std::size_t, error_code&) { return true; }
  bool on_key(json::string_view, std::size_t, error_code&) { return true; }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, error_code& ec) { return value(ec); }
  bool on_uint64(std::uint64_t, json::string_view, error_code& ec) { return value(ec); }
  bool on_double(double, json::string_view, error_code& ec) { return value(ec); }
  bool on_bool(bool, error_code& ec) { return value(ec); }
  bool on_null(error_code& ec) { return value(ec); }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }
};

// Why `body` is not JSON. Boost.JSON says only "syntax error" for bad UTF-8, so the
// body is scanned for it here: on the refusal path alone, not for every good body.
Error refusal(std::string_view body, const error_code& ec) {
  if (!is_valid_utf8(body)) return Error{Errc::invalid_argument, std::string(kInvalidUtf8)};
  return Error{Errc::invalid_argument, "not JSON (" + ec.message() + ")"};
}

}  // namespace

Result<JsonBody> parse_json_body(std::string_view body, const JsonLimits& limits) {
  json::parse_options options;
  options.max_depth = limits.max_depth;  // UTF-8 is checked: allow_invalid_utf8 stays off
  {
    json::basic_parser<Counter> check(options);
    check.handler().max_values = limits.max_values;
    error_code ec;
    check.write_some(false, body.data(), body.size(), ec);
    if (check.handler().values > limits.max_values) {
      return make_error(Errc::invalid_argument,
                        "more than " + std::to_string(limits.max_values) + " JSON values");
    }
    if (ec) return refusal(body, ec);
  }
  // Strings take at most the body's bytes, and every value a few words.
  auto memory = std::make_unique<json::monotonic_resource>(body.size() +
                                                           limits.max_values * sizeof(json::value));
  error_code ec;
  // Constructed in place, not assigned: assigning a value to one of another storage
  // would copy it out of the block.
  json::value value = json::parse(body, ec, json::storage_ptr(memory.get()), options);
  if (ec) return refusal(body, ec);
  return JsonBody{std::move(memory), std::move(value)};
}

}  // namespace broadsheet::http
