// Errors as values.
//
// Every expected failure in Broadsheet (a bad address, a missing row, a refused
// SQL constraint, an unreadable file) is returned as an Error inside a Result<T>;
// exceptions are reserved for bugs. Library codes (errno, SQLite, libpq) are turned
// into an Error once, at the edge where they arise.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace broadsheet {

// What kind of failure this is; callers branch on the code, people read the message.
enum class Errc {
  invalid_argument,  // input that breaks a documented rule
  not_found,         // the named thing does not exist
  conflict,          // it exists already, or a uniqueness rule would break
  io,                // the file system or a socket failed
  database,          // the store failed for a reason other than the above
  config,            // configuration that cannot be used
  internal,          // a broken invariant
};

const char* errc_name(Errc code);

struct Error {
  Errc code;
  std::string message;  // one line, safe to show to the operator
};

// Holds either a T or an Error. Cheap to move; check ok() before value().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}    // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{Errc::internal, {}};
  bool ok_ = true;
};

using Status = Result<void>;

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace broadsheet
