// The tables of one side of a move, as its catalogue tells them (moving.hpp), and how a
// target column's type says its values are written in COPY's text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace broadsheet::store::moving {

// How a value is written for a column of the target.
enum class ValueKind {
  integer,  // bigint, integer, smallint: SQLite's integers (the 0/1 flags too)
  real,     // double precision, real, numeric
  text,     // text, character varying
  json,     // jsonb, json: SQLite's JSON text as it is
  bytes,    // bytea: SQLite's blobs, hex-encoded
};

// The kind for a PostgreSQL data_type (information_schema's spelling); nullopt for a
// type the move does not know how to fill.
std::optional<ValueKind> value_kind(std::string_view data_type);

struct Column {
  std::string name;
  std::string type;       // as the catalogue spells it
  bool identity = false;  // target only: an identity column, whose sequence is set
};

// Table name -> its columns in the catalogue's order.
using Tables = std::map<std::string, std::vector<Column>>;

// The bookkeeping table of migrations: each side keeps its own, it is not copied.
inline constexpr std::string_view kMigrationsTable = "schema_migrations";
// Written by a store when it opens; a target's rows here do not make it non-empty.
inline constexpr std::string_view kSettingsTable = "store_settings";

// `name` quoted as an SQL identifier ("a""b"), for the statements built from the
// catalogue's names.
std::string quote_identifier(std::string_view name);

}  // namespace broadsheet::store::moving
