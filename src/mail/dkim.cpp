#include "mail/dkim.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <filesystem>

extern "C" {
#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool
}

namespace broadsheet {
namespace {

// The header fields each signature covers (RFC 6376 section 5.4.1 advice, plus the
// list fields RFC 8058 requires to be signed), and the one that is over-signed.
const char* kSignedFields[] = {"From",
                               "To",
                               "Subject",
                               "Date",
                               "Message-ID",
                               "MIME-Version",
                               "Content-Type",
                               "List-Id",
                               "List-Unsubscribe",
                               "List-Unsubscribe-Post",
                               nullptr};
const char* kOverSignedFields[] = {"From", nullptr};

constexpr std::string_view kFieldName = "DKIM-Signature: ";

struct LibClose {
  void operator()(DKIM_LIB* lib) const { dkim_close(lib); }
};
struct HandleFree {
  void operator()(DKIM* d) const { dkim_free(d); }
};
using Handle = std::unique_ptr<DKIM, HandleFree>;

Result<std::unique_ptr<DKIM_LIB, LibClose>> open_library() {
  std::unique_ptr<DKIM_LIB, LibClose> lib(dkim_init(nullptr, nullptr));
  if (!lib) return make_error(Errc::internal, "OpenDKIM's library did not start");
  if (!dkim_libfeature(lib.get(), DKIM_FEATURE_SHA256) ||
      !dkim_libfeature(lib.get(), DKIM_FEATURE_ED25519)) {
    return make_error(Errc::internal, "OpenDKIM's library lacks SHA-256 or Ed25519 support");
  }
  if (dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, kSignedFields,
                   sizeof(char**)) != DKIM_STAT_OK ||
      dkim_options(lib.get(), DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, kOverSignedFields,
                   sizeof(char**)) != DKIM_STAT_OK) {
    return make_error(Errc::internal, "OpenDKIM refused the list of signed header fields");
  }
  return lib;
}

// Header fields of a CRLF message, each without its final CRLF, and the body.
struct Parts {
  std::vector<std::string_view> fields;
  std::string_view body;
};

Result<Parts> split_message(std::string_view message) {
  Parts parts;
  std::size_t at = 0;
  while (at < message.size()) {
    if (message.compare(at, 2, "\r\n") == 0) {  // the blank line
      parts.body = message.substr(at + 2);
      return parts;
    }
    std::size_t start = at;
    for (;;) {
      auto eol = message.find("\r\n", at);
      if (eol == std::string_view::npos) {
        return make_error(Errc::invalid_argument, "a header line does not end in CRLF");
      }
      at = eol + 2;
      if (at >= message.size() || (message[at] != ' ' && message[at] != '\t')) break;
    }
    parts.fields.push_back(message.substr(start, at - 2 - start));
  }
  return parts;  // headers only, no body
}

u_char* bytes(std::string_view s) {
  // OpenDKIM's API is not const-correct; it only reads these buffers.
  return reinterpret_cast<u_char*>(const_cast<char*>(s.data()));
}

}  // namespace

struct DkimSigner::State {
  std::vector<Key> keys;
  std::vector<std::string> library_keys;  // what dkim_sign() takes, per key
  std::unique_ptr<DKIM_LIB, LibClose> lib;

  ~State() {
    for (auto& k : library_keys) OPENSSL_cleanse(k.data(), k.size());
  }
};

Result<DkimSigner> DkimSigner::create(std::vector<Key> keys) {
  DkimSigner signer;
  if (keys.empty()) return signer;
  auto lib = open_library();
  if (!lib) return lib.error();
  auto state = std::make_shared<State>();
  state->lib = std::move(lib).value();
  for (const auto& k : keys) state->library_keys.push_back(k.key.pem);
  state->keys = std::move(keys);
  signer.state_ = std::move(state);
  return signer;
}

Result<DkimSigner> DkimSigner::create(const std::vector<DkimKeySpec>& specs,
                                      const std::string& data_dir) {
  std::vector<Key> keys;
  for (const auto& spec : specs) {
    std::filesystem::path path(spec.key_path);
    if (path.is_relative()) path = std::filesystem::path(data_dir) / path;
    auto key = load_dkim_key_file(path.string(), spec.algorithm);
    if (!key) return key.error();
    keys.push_back({spec.domain, spec.selector, std::move(key).value()});
  }
  return create(std::move(keys));
}

const std::vector<DkimSigner::Key>& DkimSigner::keys() const {
  static const std::vector<Key> none;
  return state_ ? state_->keys : none;
}

Result<std::string> DkimSigner::sign(std::string_view message) const {
  if (!state_) return std::string();
  auto parts = split_message(message);
  if (!parts) return parts.error();
  std::string out;
  for (std::size_t i = 0; i < state_->keys.size(); ++i) {
    const Key& k = state_->keys[i];
    DKIM_STAT st = DKIM_STAT_OK;
    Handle d(dkim_sign(state_->lib.get(), reinterpret_cast<const u_char*>("broadsheet"), nullptr,
                       bytes(state_->library_keys[i]),
                       reinterpret_cast<const u_char*>(k.selector.c_str()),
                       reinterpret_cast<const u_char*>(k.domain.c_str()), DKIM_CANON_RELAXED,
                       DKIM_CANON_RELAXED,
                       k.key.algorithm == DkimAlgorithm::rsa_sha256 ? DKIM_SIGN_RSASHA256
                                                                    : DKIM_SIGN_ED25519SHA256,
                       -1, &st));
    if (!d) {
      return make_error(Errc::internal,
                        fmt::format("DKIM: cannot start signing: {}", dkim_getresultstr(st)));
    }
    auto failed = [&](DKIM_STAT status, std::string_view step) {
      const char* detail = dkim_geterror(d.get());
      Errc code = status == DKIM_STAT_SYNTAX ? Errc::invalid_argument : Errc::internal;
      return make_error(code, fmt::format("DKIM {} ({}): {}{}{}", step, k.domain,
                                          dkim_getresultstr(status), detail ? ": " : "",
                                          detail ? detail : ""));
    };
    for (std::string_view field : parts->fields) {
      if ((st = dkim_header(d.get(), bytes(field), field.size())) != DKIM_STAT_OK) {
        return failed(st, "header");
      }
    }
    if ((st = dkim_eoh(d.get())) != DKIM_STAT_OK) return failed(st, "end of header");
    if (!parts->body.empty() &&
        (st = dkim_body(d.get(), bytes(parts->body), parts->body.size())) != DKIM_STAT_OK) {
      return failed(st, "body");
    }
    if ((st = dkim_eom(d.get(), nullptr)) != DKIM_STAT_OK) return failed(st, "signing");
    u_char* value = nullptr;
    std::size_t len = 0;
    if ((st = dkim_getsighdr_d(d.get(), kFieldName.size(), &value, &len)) != DKIM_STAT_OK) {
      return failed(st, "signature field");
    }
    out.reserve(out.size() + kFieldName.size() + len + 2);
    out += kFieldName;
    out.append(reinterpret_cast<const char*>(value), len);
    out += "\r\n";
  }
  return out;
}

Result<DkimSigner> load_dkim_signer(std::string_view keys_setting, const std::string& data_dir) {
  auto specs = parse_dkim_key_specs(keys_setting);
  if (!specs) return make_error(Errc::config, fmt::format("dkim.keys: {}", specs.error().message));
  return DkimSigner::create(*specs, data_dir);
}

}  // namespace broadsheet
