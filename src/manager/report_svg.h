#pragma once
// Inline SVG charts for the HTML report. Colours come from CSS classes on the page (so one
// stylesheet themes every chart); exact numbers are in <title> tooltips, which need no script.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

// Escapes & < > " ' for HTML text and attribute values (inline SVG is parsed as HTML).
std::string html_escape(std::string_view text);

struct HBar {
  std::string label;       // left of the bar; shortened with an ellipsis when long
  double value = 0;        // bar length, relative to the largest value
  std::string value_text;  // right of the bar
  std::string tooltip;
};

// One row per bar, in the order given. `bar_class` picks the colour.
std::string svg_hbars(const std::vector<HBar>& bars, const std::string& bar_class, int width);

struct TimePoint {
  std::string tick;             // x-axis label; empty to leave this slot unlabelled
  std::optional<double> value;  // nullopt: no data in this slot (gap, not zero)
  std::string tooltip;
};

struct TimeChart {
  std::vector<TimePoint> points;
  std::string y_title;     // e.g. "hit rate", "minutes saved"
  std::string x_title;     // e.g. "hour (UTC)"
  std::string y_suffix;    // appended to y tick labels, e.g. "%"
  std::optional<double> y_max;  // fixed scale (100 for a rate); otherwise from the data
  bool line = false;       // line with dots instead of columns
  std::string css_class;   // colour
  int width = 1100;
  int height = 240;
};

std::string svg_time_chart(const TimeChart& chart);

}  // namespace cratecache
