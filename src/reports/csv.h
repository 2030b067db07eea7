#pragma once
// CSV as the contract wants it (docs/api.md "CSV"): RFC 4180 rows ending in CRLF, a field
// quoted when it holds ',', '"', CR or LF (quotes doubled), UTF-8 passed through
// unchanged, and a formula guard: a cell starting with '=', '+', '-', '@', tab or CR
// gets a leading "'" so that spreadsheets show it instead of running it. The guard
// applies to every cell, numbers included ("-5" is written "'-5"); parkd's amounts are
// never negative, so in practice it only touches text.
//
// The writer streams: each finished row goes to the sink at once and only the current
// row is buffered, so an export of any size takes constant memory.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace parkd::reports {

class CsvWriter {
 public:
  // Receives the output, one complete row (with its CRLF) per call.
  using Sink = std::function<void(std::string_view)>;

  explicit CsvWriter(Sink sink);

  // Appends one cell to the current row (guarded, then quoted if needed).
  CsvWriter& cell(std::string_view text);
  // A whole number: "42".
  CsvWriter& number(std::int64_t value);
  // An amount of cents in major units, as format_money writes it: 1250 -> "12.50".
  CsvWriter& cents(std::int64_t value);
  // An empty cell (a NULL).
  CsvWriter& empty();

  // Ends the current row: writes it with CRLF to the sink. A row with no cells is
  // written as an empty line.
  void end_row();

  // cell() for each of `cells`, then end_row().
  void row(std::initializer_list<std::string_view> cells);

  // Rows handed to the sink so far.
  std::uint64_t rows_written() const { return rows_written_; }

 private:
  Sink sink_;
  std::string row_;
  bool row_has_cells_ = false;
  std::uint64_t rows_written_ = 0;
};

// One field as it appears in a row: formula-guarded, then quoted when needed.
std::string csv_field(std::string_view text);

}  // namespace parkd::reports
