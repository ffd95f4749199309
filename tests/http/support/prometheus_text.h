// SPDX-License-Identifier: MIT
// A strict reader of the Prometheus text exposition format (0.0.4), for tests: every sample must
// belong to a family announced before it by exactly one "# HELP" and one "# TYPE" line, names and
// label names must be valid, label values correctly escaped, values numbers (or NaN, +Inf,
// -Inf), no series twice, a family's samples together, and counters named *_total.
#pragma once

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace meter::test {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromFamily {
  std::string help;
  std::string type;
  std::vector<PromSample> samples;
};

struct PromText {
  std::map<std::string, PromFamily> families;
  std::vector<std::string> errors;  // empty when the text is valid

  // The value of the one sample of `name` with exactly `labels`; NaN-free tests use it.
  const PromSample* find(const std::string& name,
                         const std::map<std::string, std::string>& labels = {}) const {
    const auto it = families.find(name);
    if (it == families.end()) return nullptr;
    for (const auto& sample : it->second.samples) {
      if (sample.labels == labels) return &sample;
    }
    return nullptr;
  }
};

namespace prom_detail {

inline bool valid_name(const std::string& name, bool label) {
  if (name.empty()) return false;
  const auto first = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(first) || name[0] == '_' || (!label && name[0] == ':'))) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || (!label && c == ':'))) return false;
  }
  return !(label && name.rfind("__", 0) == 0);
}

inline bool parse_value(const std::string& text, double& out) {
  if (text == "NaN") {
    out = 0;  // tests compare numbers; NaN itself is a valid value
    return true;
  }
  if (text == "+Inf" || text == "-Inf") {
    out = text[0] == '+' ? 1e308 : -1e308;
    return true;
  }
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

}  // namespace prom_detail

inline PromText parse_prometheus_text(const std::string& text) {
  using prom_detail::valid_name;
  PromText out;
  std::set<std::string> series;
  std::set<std::string> closed;  // families whose samples ended
  std::string current;           // family of the previous sample line
  std::size_t line_number = 0;
  std::size_t pos = 0;
  const auto fail = [&](const std::string& why) {
    out.errors.push_back("line " + std::to_string(line_number) + ": " + why);
  };
  if (!text.empty() && text.back() != '\n') {
    out.errors.push_back("the text does not end with a newline");
  }
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    const std::string line =
        text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    ++line_number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      const bool help = line.rfind("# HELP ", 0) == 0;
      const bool type = line.rfind("# TYPE ", 0) == 0;
      if (!help && !type) continue;  // a comment
      const std::string rest = line.substr(7);
      const auto space = rest.find(' ');
      const std::string name = rest.substr(0, space);
      const std::string arg = space == std::string::npos ? "" : rest.substr(space + 1);
      if (!valid_name(name, false)) fail("invalid metric name '" + name + "'");
      PromFamily& family = out.families[name];
      if (!family.samples.empty()) fail(name + ": HELP/TYPE after its samples");
      if (help) {
        if (!family.help.empty()) fail(name + ": second HELP line");
        if (arg.empty()) fail(name + ": empty HELP text");
        family.help = arg;
      } else {
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!family.type.empty()) fail(name + ": second TYPE line");
        if (!kTypes.count(arg)) fail(name + ": unknown type '" + arg + "'");
        if (arg == "counter" && !(name.size() > 6 && name.ends_with("_total"))) {
          fail(name + ": a counter's name should end in _total");
        }
        family.type = arg;
      }
      continue;
    }
    PromSample sample;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    sample.name = line.substr(0, i);
    if (!valid_name(sample.name, false)) fail("invalid metric name '" + sample.name + "'");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto equals = line.find('=', i);
        if (equals == std::string::npos || equals + 1 >= line.size() || line[equals + 1] != '"') {
          fail("malformed labels");
          break;
        }
        const std::string label = line.substr(i, equals - i);
        if (!valid_name(label, true)) fail("invalid label name '" + label + "'");
        std::string value;
        std::size_t j = equals + 2;
        bool closed_quote = false;
        for (; j < line.size(); ++j) {
          if (line[j] == '\\') {
            if (j + 1 >= line.size()) break;
            const char next = line[++j];
            if (next == 'n') {
              value += '\n';
            } else if (next == '\\' || next == '"') {
              value += next;
            } else {
              fail("invalid escape \\" + std::string(1, next) + " in a label value");
            }
          } else if (line[j] == '"') {
            closed_quote = true;
            break;
          } else {
            value += line[j];
          }
        }
        if (!closed_quote) {
          fail("unterminated label value");
          break;
        }
        if (sample.labels.count(label)) fail("label " + label + " twice");
        sample.labels[label] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) {
        fail("labels not closed");
        continue;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      fail("no value after " + sample.name);
      continue;
    }
    const std::string value_text = line.substr(i + 1, line.find(' ', i + 1) - (i + 1));
    if (!prom_detail::parse_value(value_text, sample.value)) {
      fail(sample.name + ": value '" + value_text + "' is not a number");
    }
    const auto family = out.families.find(sample.name);
    if (family == out.families.end() || family->second.help.empty() ||
        family->second.type.empty()) {
      fail(sample.name + ": sample without HELP and TYPE before it");
      out.families[sample.name].samples.push_back(sample);
      continue;
    }
    if (sample.name != current) {
      if (closed.count(sample.name)) fail(sample.name + ": samples are not together");
      if (!current.empty()) closed.insert(current);
      current = sample.name;
    }
    std::string key = sample.name;
    for (const auto& [k, v] : sample.labels) key += "|" + k + "=" + v;
    if (!series.insert(key).second) fail(sample.name + ": the same series twice");
    family->second.samples.push_back(std::move(sample));
  }
  return out;
}

}  // namespace meter::test
