// Fuzz target: the CSV writer of the exports (reports/csv.h), which writes user-chosen
// text (usernames, plates, lot names) into files opened by spreadsheets. The input is a
// table: rows split at 0x1E, cells at 0x1F (any other byte, CR, LF, quotes and commas
// included, is cell text); its first bytes are also read as whole numbers and amounts for
// a last row. Properties, checked with an independent strict RFC 4180 reader: the output
// is exactly the rows written, each ending in CRLF and handed to the sink whole; every cell
// reads back as its text, with a "'" in front exactly when the text starts with '=', '+',
// '-', '@', tab or CR, so no cell read back starts with one of those; csv_field is the
// cell as written; numbers and amounts read back as their decimal text.
#include "domain/money.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "reports/csv.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Table = std::vector<std::vector<std::string>>;

// RFC 4180, strictly: fields separated by ',', rows ended by CRLF (the last one too), a
// quoted field may hold anything with '"' doubled, an unquoted one holds no '"', CR or LF.
std::optional<Table> read_csv(std::string_view text) {
  Table rows;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::vector<std::string> row;
    while (true) {
      std::string field;
      if (pos < text.size() && text[pos] == '"') {
        ++pos;
        while (true) {
          if (pos >= text.size()) return std::nullopt;  // an unclosed quote
          char c = text[pos++];
          if (c != '"') {
            field += c;
          } else if (pos < text.size() && text[pos] == '"') {
            field += '"';
            ++pos;
          } else {
            break;
          }
        }
      } else {
        while (pos < text.size() && text[pos] != ',' && text[pos] != '\r') {
          if (text[pos] == '"' || text[pos] == '\n') return std::nullopt;
          field += text[pos++];
        }
      }
      row.push_back(std::move(field));
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (text.substr(pos, 2) != "\r\n") return std::nullopt;
      pos += 2;
      break;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

bool formula_start(std::string_view text) {
  return !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  Table table;
  for (const auto& row : split(input, '\x1e')) table.push_back(split(row, '\x1f'));
  // Whole numbers and amounts from the input's first bytes, any int64 value.
  std::vector<std::int64_t> numbers;
  for (std::size_t at = 0; at + 8 <= size && numbers.size() < 4; at += 8) {
    std::int64_t n = 0;
    std::memcpy(&n, data + at, 8);
    numbers.push_back(n);
  }

  std::string output;
  std::size_t sink_calls = 0;
  parkd::reports::CsvWriter writer([&](std::string_view chunk) {
    FUZZ_CHECK(chunk.size() >= 2 && chunk.substr(chunk.size() - 2) == "\r\n",
               "the sink got something other than one row ending in CRLF");
    output += chunk;
    ++sink_calls;
  });
  Table expected;
  for (const auto& row : table) {
    std::vector<std::string> want;
    for (const auto& cell : row) {
      writer.cell(cell);
      want.push_back(formula_start(cell) ? "'" + cell : cell);
    }
    writer.end_row();
    expected.push_back(std::move(want));
  }
  if (!numbers.empty()) {
    std::vector<std::string> want;
    for (std::int64_t n : numbers) {
      writer.number(n).cents(n);
      std::string amount = parkd::format_money(n);
      want.push_back(n < 0 ? "'" + std::to_string(n) : std::to_string(n));
      want.push_back(n < 0 ? "'" + amount : amount);
      // The amount's text means the amount: the digits after the point are the cents.
      std::string digits = amount;
      digits.erase(digits.size() - 3, 1);
      FUZZ_CHECK((amount[amount.size() - 3] == '.' && digits == std::to_string(n)) ||
                     (n > -100 && n < 100),
                 "an amount's text is not its cents with a decimal point");
    }
    writer.end_row();
    expected.push_back(std::move(want));
  }
  FUZZ_CHECK(sink_calls == expected.size() && writer.rows_written() == expected.size(),
             "not one sink call per row");

  auto rows = read_csv(output);
  FUZZ_CHECK(rows.has_value(), "the output is not strict RFC 4180 CSV");
  FUZZ_CHECK(rows->size() == expected.size(), "the output has another number of rows");
  for (std::size_t i = 0; i < rows->size(); ++i) {
    FUZZ_CHECK((*rows)[i] == expected[i], "a cell does not read back as its (guarded) text");
    for (const auto& field : (*rows)[i]) {
      FUZZ_CHECK(!formula_start(field), "a cell that a spreadsheet would run as a formula");
    }
  }
  // csv_field is a cell as the writer writes it: a one-cell row without its CRLF.
  std::string one_cell_row;
  parkd::reports::CsvWriter single([&](std::string_view chunk) { one_cell_row = chunk; });
  single.row({input});
  FUZZ_CHECK(one_cell_row == parkd::reports::csv_field(input) + "\r\n",
             "csv_field differs from the writer's cell");
  return 0;
}
