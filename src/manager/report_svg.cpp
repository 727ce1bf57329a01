#include "manager/report_svg.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace cratecache {
namespace {

constexpr double kCharWidth = 7.4;  // a generous 12px glyph width (DejaVu Sans is wide), for layout

size_t utf8_length(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Cuts at a character boundary so a long crate name or path never overlaps its bar.
std::string shorten(const std::string& s, size_t max_chars) {
  if (utf8_length(s) <= max_chars || max_chars < 2) return s;
  size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80 && ++chars == max_chars) break;
  }
  return s.substr(0, i) + "\u2026";
}

// A round step (1, 2, 2.5 or 5 times a power of ten) giving about four gridlines up to `max`
// (a rate gets 25% steps).
double nice_step(double max) {
  double raw = std::max(max, 1e-9) / 4;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (raw <= m * p) return m * p;
  }
  return 10 * p;
}

std::string svg_open(int width, int height, const std::string& label) {
  return fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" "
      "height=\"{1}\" role=\"img\" aria-label=\"{2}\">\n",
      width, height, html_escape(label));
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_hbars(const std::vector<HBar>& bars, const std::string& bar_class, int width) {
  const int row = 26, bar_h = 16;
  size_t label_chars = 4, value_chars = 1;
  double max = 0;
  for (const auto& b : bars) {
    label_chars = std::max(label_chars, utf8_length(b.label));
    value_chars = std::max(value_chars, utf8_length(b.value_text));
    max = std::max(max, b.value);
  }
  // Labels get what they need up to 40% of the width; the rest is cut with an ellipsis.
  double label_w = std::min(static_cast<double>(label_chars) * kCharWidth + 12, width * 0.4);
  double value_w = static_cast<double>(value_chars) * kCharWidth + 12;
  double bar_w = width - label_w - value_w;
  int height = static_cast<int>(bars.size()) * row + 4;
  std::string out = svg_open(width, height, "bar chart");
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    double y = static_cast<double>(i) * row + 2;
    double len = max > 0 ? b.value / max * bar_w : 0;
    if (b.value > 0) len = std::max(len, 2.0);  // a tiny value stays visible
    auto label = shorten(b.label, static_cast<size_t>((label_w - 12) / kCharWidth));
    out += fmt::format("<g><title>{}</title>", html_escape(b.tooltip.empty() ? b.label : b.tooltip));
    out += fmt::format("<text class=\"lbl\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", label_w - 10,
                       y + row / 2.0 + 4, html_escape(label));
    out += fmt::format("<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" rx=\"3\"/>",
                       bar_class, label_w, y + (row - bar_h) / 2.0, len, bar_h);
    out += fmt::format("<text class=\"val\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text></g>\n", label_w + len + 6,
                       y + row / 2.0 + 4, html_escape(b.value_text));
  }
  return out + "</svg>\n";
}

std::string svg_time_chart(const TimeChart& c) {
  const double left = 52, right = 12, top = 26, bottom = 40;
  const double pw = c.width - left - right, ph = c.height - top - bottom;
  double max = 0;
  for (const auto& p : c.points) max = std::max(max, p.value.value_or(0));
  double step = nice_step(c.y_max.value_or(max));
  double y_max = c.y_max ? *c.y_max : std::max(step, std::ceil(max / step) * step);
  auto ypos = [&](double v) { return top + ph - v / y_max * ph; };
  size_t n = std::max<size_t>(c.points.size(), 1);
  double slot = pw / static_cast<double>(n);
  auto xpos = [&](size_t i) { return left + slot * (static_cast<double>(i) + 0.5); };

  std::string out = svg_open(c.width, c.height, c.y_title);
  out += fmt::format("<text class=\"axis-title\" x=\"{}\" y=\"14\">{}</text>\n", left, html_escape(c.y_title));
  for (double v = 0; v <= y_max + step / 2; v += step) {
    out += fmt::format("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", left, left + pw,
                       ypos(v), ypos(v));
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}{}</text>\n", left - 6,
                       ypos(v) + 4, v, html_escape(c.y_suffix));
  }
  for (size_t i = 0; i < c.points.size(); ++i) {
    if (c.points[i].tick.empty()) continue;
    out += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\"/>", xpos(i), top + ph,
                       top + ph + 4);
    out += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", xpos(i),
                       top + ph + 17, html_escape(c.points[i].tick));
  }
  out += fmt::format("<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     left + pw / 2, c.height - 4, html_escape(c.x_title));

  if (c.line) {
    // Consecutive slots with data are joined; an empty slot breaks the line rather than dipping to 0.
    std::string path, area;
    for (size_t i = 0; i < c.points.size(); ++i) {
      if (!c.points[i].value) continue;
      bool starts = i == 0 || !c.points[i - 1].value;
      path += fmt::format("{}{:.1f},{:.1f} ", starts ? "M" : "L", xpos(i), ypos(*c.points[i].value));
      bool ends = i + 1 == c.points.size() || !c.points[i + 1].value;
      if (starts) area += fmt::format("M{:.1f},{:.1f} ", xpos(i), top + ph);
      area += fmt::format("L{:.1f},{:.1f} ", xpos(i), ypos(*c.points[i].value));
      if (ends) area += fmt::format("L{:.1f},{:.1f} Z ", xpos(i), top + ph);
    }
    out += fmt::format("<path class=\"{}-area\" d=\"{}\"/>\n<path class=\"{}-line\" d=\"{}\"/>\n", c.css_class, area,
                       c.css_class, path);
  }
  for (size_t i = 0; i < c.points.size(); ++i) {
    const auto& p = c.points[i];
    if (!p.value) continue;
    out += fmt::format("<g><title>{}</title>", html_escape(p.tooltip));
    if (c.line) {
      out += fmt::format("<circle class=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\"/>", c.css_class, xpos(i),
                         ypos(*p.value));
    } else {
      double h = std::max(*p.value > 0 ? 1.5 : 0.0, top + ph - ypos(*p.value));
      double w = std::max(2.0, slot * 0.7);
      out += fmt::format("<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"2\"/>",
                         c.css_class, xpos(i) - w / 2, top + ph - h, w, h);
    }
    out += "</g>\n";
  }
  out += fmt::format("<line class=\"axis\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>\n", left, left + pw, top + ph);
  return out + "</svg>\n";
}

}  // namespace cratecache
