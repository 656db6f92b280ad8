#include "dashboard/dashboard_pages.hpp"

#include <cctype>
#include <cstdio>

#include "journey/journey_graph.hpp"
#include "render/mustache.hpp"

namespace parcours::dashboard {

using render::escape_html;
using report::rate;

namespace {

// Live counts: the page reloads itself; no script needed.
constexpr int kRefreshSeconds = 10;

constexpr std::string_view kStyle = R"css(
:root{--ink:#1d2733;--muted:#5d6b7a;--line:#dde3ea;--bg:#f3f5f8;--card:#fff;--accent:#2f6fd1}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{background:var(--ink);color:#fff;padding:.7em 1.5em;display:flex;gap:.6em;align-items:baseline;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}
header .brand{font-weight:700;letter-spacing:.02em;margin-right:.6em}
header .sep{color:#8a99ab}
main{padding:1.2em 1.5em 2em;max-width:1500px}
h1{font-size:1.45em;margin:.1em 0 .2em}
h2{font-size:1.1em;margin:0 0 .6em}
p.lead{margin:0 0 1em;color:var(--muted)}
a{color:var(--accent)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1em 1.2em;margin-bottom:1.2em;overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:.35em .5em;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{font-weight:600;color:var(--muted);font-size:.78em;text-transform:uppercase;letter-spacing:.02em}
th:first-child,td:first-child,th.text,td.text{text-align:left}
tr:last-child td{border-bottom:none}
td{font-variant-numeric:tabular-nums}
td.none{color:#b3bdc8}
.tag{display:inline-block;font-size:.75em;padding:0 .5em;border-radius:1em;background:#eef1f5;color:var(--muted);margin-left:.4em}
.tag.off{background:#fdecea;color:#a23b2e}
.cards{display:flex;gap:.8em;flex-wrap:wrap;margin:0 0 1.2em}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.55em 1em;min-width:8.5em}
.card .value{font-size:1.7em;font-weight:650;font-variant-numeric:tabular-nums}
.card .name{color:var(--muted);font-size:.8em;text-transform:uppercase;letter-spacing:.04em}
.layout{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:1.2em;align-items:start}
@media (max-width:1000px){.layout{grid-template-columns:1fr}}
figure.graph{margin:0;overflow:auto;text-align:center}
figure.graph svg{max-width:100%;height:auto}
.problem{color:#a23b2e}
footer{color:var(--muted);font-size:.85em;padding:0 1.5em 1.5em}
)css";

std::string number(std::int64_t value) {
  return std::to_string(value);
}

std::string page(const std::string& title, const std::string& crumbs, const std::string& body, bool refresh) {
  std::string out = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  if (refresh) out += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(kRefreshSeconds) + "\">";
  out += "<meta name=\"viewport\" content=\"width=device-width\"><title>" + escape_html(title) +
         " · Parcours</title><style>";
  out += kStyle;
  out += "</style></head><body>\n<header><a class=\"brand\" href=\"/\">Parcours</a>" + crumbs + "</header>\n<main>\n";
  out += body;
  out += "</main>\n</body></html>\n";
  return out;
}

std::string footer(const std::string& now) {
  return "<footer>Counts as of " + escape_html(now) + " (host clock); this page reloads every " +
         std::to_string(kRefreshSeconds) + " s.</footer>\n";
}

std::string card(const char* name, const std::string& value, const std::string& id) {
  return "<div class=\"card\" id=\"" + id + "\"><div class=\"value\">" + escape_html(value) +
         "</div><div class=\"name\">" + name + "</div></div>";
}

// A counter's cell; `applies` false (a count that a step of this kind never has): a dash.
std::string cell(const char* counter, std::int64_t value, bool applies = true) {
  if (!applies) return "<td class=\"none\">–</td>";
  return std::string("<td data-counter=\"") + counter + "\">" + number(value) + "</td>";
}

std::string journey_title(const journey::Journey& journey) {
  return journey.name.empty() ? journey.id : journey.name;
}

std::string steps_table(const JourneyCounts& counts) {
  std::string out =
      "<table id=\"steps\"><thead><tr><th>Step</th><th class=\"text\">Kind</th><th>Entered</th><th>Waiting</th>"
      "<th>Queued</th><th>Sent</th><th>Delivered</th><th>Failed</th><th>Suppressed</th>"
      "<th title=\"suppressed: no consent\">&hellip; consent</th><th title=\"suppressed: pressure limits\">"
      "&hellip; pressure</th><th title=\"messages opened (open pixel)\">Opened</th>"
      "<th title=\"messages with a tracked link followed\">Clicked</th></tr></thead><tbody>\n";
  for (const auto& step : counts.steps) {
    out += "<tr id=\"row-" + escape_html(journey::step_node_id(step.label)) + "\" data-step=\"" +
           escape_html(step.label) + "\"><td>" + escape_html(step.label) + "</td><td class=\"text\">" +
           std::string(journey::to_string(step.kind)) + "</td>";
    out += cell("entered", step.entered);
    out += cell("waiting", step.waiting, step.waits());
    out += cell("queued", step.queued, step.sends());
    out += cell("sent", step.sent, step.sends());
    out += cell("delivered", step.delivered, step.sends());
    out += cell("failed", step.failed, step.sends());
    out += cell("suppressed", step.suppressed, step.sends());
    out += cell("suppressed:consent", step.suppressed_by.consent, step.sends());
    out += cell("suppressed:pressure", step.suppressed_by.pressure, step.sends());
    out += cell("opened", step.opened, step.sends());
    out += cell("clicked", step.clicked, step.sends());
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

std::string arms_table(const JourneyCounts& counts) {
  std::string rows;
  for (const auto& step : counts.steps)
    for (std::size_t i = 0; i < step.arms.size(); ++i) {
      const auto& arm = step.arms[i];
      rows += "<tr data-step=\"" + escape_html(step.label) + "\" data-arm=\"" + std::to_string(i + 1) + "\"><td>" +
              escape_html(step.label) + "</td><td>" + std::to_string(i + 1) + "</td><td class=\"text\">" +
              escape_html(arm.target) + "</td><td>" + std::to_string(arm.percent) + "%</td>" +
              cell("entered", arm.entered) + cell("converted", arm.converted) + "<td data-counter=\"rate\">" +
              rate(arm.converted, arm.entered) + "</td></tr>\n";
    }
  if (rows.empty()) return {};
  return "<section class=\"panel\"><h2>Split arms</h2><table id=\"arms\"><thead><tr><th>Split</th><th>Arm</th>"
         "<th class=\"text\">Goes to</th><th>Weight</th><th>Took it</th><th>Converted</th><th>Conversion</th>"
         "</tr></thead><tbody>\n" +
         rows + "</tbody></table></section>\n";
}

}  // namespace

std::string journey_path(std::string_view client, std::string_view journey) {
  const auto encode = [](std::string_view part) {
    std::string out;
    for (const char c : part) {
      const auto byte = static_cast<unsigned char>(c);
      if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += c;
      } else {
        char escaped[4];
        std::snprintf(escaped, sizeof escaped, "%%%02X", byte);
        out += escaped;
      }
    }
    return out;
  };
  return "/dashboard/" + encode(client) + "/" + encode(journey);
}

std::string overview_page(const std::vector<ClientSummary>& clients, const std::string& now) {
  std::string body = "<h1>Clients and their journeys</h1>\n";
  if (clients.empty()) body += "<p class=\"lead\">This host has no clients yet.</p>\n";
  for (const auto& client : clients) {
    body += "<section class=\"panel client\" id=\"client-" + escape_html(client.id) + "\"><h2>" +
            escape_html(client.name.empty() ? client.id : client.name) + " <span class=\"tag\">" +
            escape_html(client.id) + "</span></h2>\n";
    if (client.journeys.empty()) {
      body += "<p class=\"lead\">No journeys.</p></section>\n";
      continue;
    }
    body +=
        "<table><thead><tr><th>Journey</th><th class=\"text\">Stage</th><th>Enrolled</th><th>Active</th>"
        "<th>Completed</th><th>Exited</th><th>Converted</th><th>Conversion</th></tr></thead><tbody>\n";
    for (const auto& journey : client.journeys) {
      const auto& counts = journey.counts;
      body += "<tr data-journey=\"" + escape_html(journey.id) + "\"><td><a href=\"" +
              escape_html(journey_path(client.id, journey.id)) + "\">" +
              escape_html(journey.name.empty() ? journey.id : journey.name) + "</a>" +
              (journey.enabled ? "" : "<span class=\"tag off\">disabled</span>") + "</td><td class=\"text\">" +
              escape_html(journey.stage) + "</td>" + cell("enrolled", counts.enrolled) + cell("active", counts.active) +
              cell("completed", counts.completed) + cell("exited", counts.exited) +
              cell("converted", counts.converted) + "<td data-counter=\"rate\">" +
              rate(counts.converted, counts.enrolled) + "</td></tr>\n";
    }
    body += "</tbody></table></section>\n";
  }
  return page("Dashboard", "", body + footer(now), true);
}

std::string journey_page(const ClientSummary& client, const journey::Journey& journey, const JourneyCounts& counts,
                         const std::string& svg, const std::string& svg_problem, const std::string& now) {
  const std::string title = journey_title(journey);
  const std::string client_name = client.name.empty() ? client.id : client.name;
  const std::string crumbs = "<span class=\"sep\">/</span><a href=\"/#client-" + escape_html(client.id) + "\">" +
                             escape_html(client_name) + "</a><span class=\"sep\">/</span><span>" + escape_html(title) +
                             "</span>";
  std::string body = "<h1>" + escape_html(title) + (journey.enabled ? "" : "<span class=\"tag off\">disabled</span>") +
                     "</h1>\n<p class=\"lead\">" + escape_html(journey.id) + " · enters on <code>" +
                     escape_html(journey.entry.on) + "</code>" +
                     (journey.goal ? " · goal <code>" + escape_html(journey.goal->on) + "</code>" : "") + "</p>\n";
  body += "<div class=\"cards\">" + card("Enrolled", number(counts.enrolled), "count-enrolled") +
          card("Active", number(counts.active), "count-active") +
          card("Completed", number(counts.completed), "count-completed") +
          card("Exited", number(counts.exited), "count-exited") +
          card("Converted", number(counts.converted), "count-converted") +
          card("Conversion", rate(counts.converted, counts.enrolled), "count-rate") + "</div>\n";
  body += "<div class=\"layout\"><section class=\"panel\"><figure class=\"graph\" id=\"graph\">";
  body += svg.empty() ? "<p class=\"problem\">The graph could not be drawn: " + escape_html(svg_problem) + "</p>" : svg;
  body += "</figure></section>\n<div>\n<section class=\"panel\"><h2>Steps</h2>" + steps_table(counts) + "</section>\n" +
          arms_table(counts) + "</div></div>\n";
  return page(title + " · " + client_name, crumbs, body + footer(now), true);
}

std::string message_page(const std::string& title, const std::string& message) {
  return page(title, "", "<h1>" + escape_html(title) + "</h1>\n<p class=\"lead\">" + escape_html(message) + "</p>\n",
              false);
}

}  // namespace parcours::dashboard
