#pragma once
// The report's stylesheet, inlined into the page so the file stands alone. Chart colours are
// CSS classes (see report_svg.h), so a dark colour scheme restyles the charts too.

namespace cratecache {

inline constexpr const char* kReportCss = R"css(
:root{color-scheme:light dark;--bg:#f3f4f7;--card:#fff;--text:#1c2230;--muted:#5d6778;--grid:#e7e9ee;--axis:#a3abb8;
--hit:#1c9a5e;--saved:#3874d8;--tc:#7a57c9;--crate:#1f8aa6;--hits:#27a36a;--reason:#e08416;--kind:#5f8f2a}
@media (prefers-color-scheme:dark){:root{--bg:#14171c;--card:#1d2129;--text:#e6e9ef;--muted:#9aa3b2;
--grid:#2b313b;--axis:#566070}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 24px 36px}
h1{font-size:26px;margin:0;letter-spacing:-.01em}
.sub{color:var(--muted);margin:4px 0 18px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin-bottom:16px}
.tile,.card{background:var(--card);border-radius:10px;box-shadow:0 1px 2px rgba(0,0,0,.07),0 0 0 1px rgba(0,0,0,.03)}
.tile{padding:12px 16px}
.tile .k{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.tile .v{font-size:24px;font-weight:650;margin:2px 0;white-space:nowrap}
.tile .s{font-size:12px;color:var(--muted)}
.tile.accent .v{color:var(--hit)}
.card{padding:16px 20px 14px;margin-bottom:16px;min-width:0}
.card h2{font-size:16px;margin:0}
.card .note{color:var(--muted);font-size:13px;margin:2px 0 10px}
.row{display:grid;grid-template-columns:1fr 1fr;gap:16px;align-items:start}
svg.chart{display:block;max-width:100%;height:auto}
svg text{font-size:12px;font-family:inherit;fill:var(--muted)}
svg .lbl{fill:var(--text)}
svg .axis-title{font-size:11px;text-transform:uppercase;letter-spacing:.05em}
.grid{stroke:var(--grid)}.axis{stroke:var(--axis)}
.hit{fill:var(--hit)}.hit-line{fill:none;stroke:var(--hit);stroke-width:2.5;stroke-linejoin:round}
.hit-area{fill:var(--hit);opacity:.12}
.saved{fill:var(--saved)}.tc{fill:var(--tc)}.crate{fill:var(--crate)}.hits{fill:var(--hits)}
.reason{fill:var(--reason)}.kind{fill:var(--kind)}
g:hover>rect,g:hover>circle{opacity:.75}
.empty{color:var(--muted);text-align:center;padding:26px 0 30px;font-size:15px}
.empty small{font-size:12px}
footer{color:var(--muted);font-size:12px;margin-top:16px}
@media (max-width:860px){.tiles{grid-template-columns:repeat(2,1fr)}.row{grid-template-columns:1fr}}
)css";

}  // namespace cratecache
