#include "reports/csv.h"

#include "domain/money.h"

#include <utility>

namespace parkd::reports {
namespace {

bool needs_formula_guard(std::string_view text) {
  if (text.empty()) return false;
  switch (text.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
      return true;
    default:
      return false;
  }
}

bool needs_quotes(std::string_view text) {
  return text.find_first_of(",\"\r\n") != std::string_view::npos;
}

void append_field(std::string& out, std::string_view text) {
  bool guard = needs_formula_guard(text);
  bool quote = needs_quotes(text);
  if (quote) out += '"';
  if (guard) out += '\'';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  if (quote) out += '"';
}

}  // namespace

CsvWriter::CsvWriter(Sink sink) : sink_(std::move(sink)) {}

CsvWriter& CsvWriter::cell(std::string_view text) {
  if (row_has_cells_) row_ += ',';
  append_field(row_, text);
  row_has_cells_ = true;
  return *this;
}

CsvWriter& CsvWriter::number(std::int64_t value) { return cell(std::to_string(value)); }

CsvWriter& CsvWriter::cents(std::int64_t value) { return cell(format_money(value)); }

CsvWriter& CsvWriter::empty() { return cell(""); }

void CsvWriter::end_row() {
  row_ += "\r\n";
  sink_(row_);
  row_.clear();
  row_has_cells_ = false;
  ++rows_written_;
}

void CsvWriter::row(std::initializer_list<std::string_view> cells) {
  for (auto text : cells) cell(text);
  end_row();
}

std::string csv_field(std::string_view text) {
  std::string out;
  append_field(out, text);
  return out;
}

}  // namespace parkd::reports
