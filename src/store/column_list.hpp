// The result columns a row reader takes, by name: shared by the backends' Query classes
// (sqlite/query.hpp, postgres/query.hpp), so one row reader (row_readers.hpp) serves both.
// Readers ask for a column by name with `kColumns["id"]`, which is checked when compiling
// (a name not in the list does not compile) and gives the name's place in the list; each
// Query resolves the list against its result once per execution:
//
//   constexpr ColumnList<2> kColumns{{"id", "slug"}};
//   q.columns(kColumns);            // before the first step
//   n.id = q.int_of(kColumns["id"]);
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

// Clang 14 refuses a consteval call inside a template (the shared row readers) as
// "taking its address"; there the lookup is constexpr, still checked by every test that
// reads the column, while GCC (the build that ships) keeps the compile-time check.
#if defined(__clang__) && __clang_major__ < 15
#define BROADSHEET_COLUMN_LOOKUP constexpr
#else
#define BROADSHEET_COLUMN_LOOKUP consteval
#endif

namespace broadsheet::store {

template <std::size_t N>
struct ColumnList {
  std::array<std::string_view, N> names;

  BROADSHEET_COLUMN_LOOKUP std::size_t operator[](std::string_view name) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == name) return i;
    }
    throw "column not in the reader's list";  // makes the call not compile
  }
  std::span<const std::string_view> span() const { return names; }
};

}  // namespace broadsheet::store
