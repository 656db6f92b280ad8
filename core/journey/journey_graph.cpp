#include "journey/journey_graph.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <sstream>

#include "config/duration.hpp"

namespace parcours::journey {
namespace {

// Node ids: s1, s2... for steps; entry, goal, done (end) and exited. Never `end`,
// which Mermaid reads as a keyword.
struct Node {
  std::string id;
  std::string label;  // lines separated by '\n'
  enum class Shape { start, step, decision, terminal } shape = Shape::step;
};
struct Edge {
  std::string from, to, label;
  bool dotted = false;
};

std::string node_id(std::size_t index) {
  return index == kEnd ? "done" : "s" + std::to_string(index + 1);
}

// The label the engine's counters use: the step's id, or "step N".
std::string counter_label(const Step& step) {
  return step.id.empty() ? "step " + std::to_string(step.index + 1) : step.id;
}

// What a step does, in a few words: the second line of its box.
std::string describe(const Step& step) {
  switch (step.kind) {
    case StepKind::send: {
      const auto& send = std::get<SendStep>(step.detail);
      std::string text = "send " + send.channel;
      const auto params = nlohmann::json::parse(send.params_json);
      if (params.contains("template") && params["template"].is_string())
        text += "\ntemplate " + params["template"].get<std::string>();
      else if (params.contains("subject") && params["subject"].is_string())
        text += "\n" + params["subject"].get<std::string>();
      if (send.transactional) text += "\n(transactional)";
      return text;
    }
    case StepKind::wait: return "wait " + config::format_duration(std::get<WaitStep>(step.detail).duration);
    case StepKind::wait_until: {
      const auto& wait = std::get<WaitUntilStep>(step.detail);
      std::string text = "wait until " + wait.until.text;
      if (wait.at_minute) {
        char at[16];
        std::snprintf(at, sizeof at, "%02d:%02d", *wait.at_minute / 60, *wait.at_minute % 60);
        text += std::string("\nat ") + at + " local time";
      }
      return text;
    }
    case StepKind::wait_for: {
      const auto& wait = std::get<WaitForStep>(step.detail);
      std::string text = "wait for " + wait.event_type;
      if (wait.when) text += "\nwhen " + wait.when->text;
      if (wait.timeout) text += "\nat most " + config::format_duration(*wait.timeout);
      return text;
    }
    case StepKind::branch: return "branch";
    case StepKind::split: return "split";
    case StepKind::set: return "set " + std::get<SetStep>(step.detail).attributes_json;
    case StepKind::emit: return "emit " + std::get<EmitStep>(step.detail).event_type;
    case StepKind::jump: return "go to " + step.next.name;
    case StepKind::exit: return "exit";
  }
  return {};
}

void collect(const Journey& journey, std::vector<Node>& nodes, std::vector<Edge>& edges) {
  std::string entry = "enter on " + journey.entry.on;
  if (journey.entry.when) entry += "\nwhen " + journey.entry.when->text;
  nodes.push_back({"entry", entry, Node::Shape::start});
  edges.push_back({"entry", journey.steps.empty() ? "done" : node_id(0), ""});

  bool exits = false;
  for (const Step& step : journey.steps) {
    const std::string id = node_id(step.index);
    const bool decides = step.kind == StepKind::branch || step.kind == StepKind::split;
    nodes.push_back(
        {id, counter_label(step) + "\n" + describe(step), decides ? Node::Shape::decision : Node::Shape::step});
    switch (step.kind) {
      case StepKind::exit:
        exits = true;
        edges.push_back({id, "exited", ""});
        break;
      case StepKind::wait_for: {
        const auto& wait = std::get<WaitForStep>(step.detail);
        edges.push_back({id, node_id(wait.on_event.index), wait.event_type});
        if (wait.timeout) edges.push_back({id, node_id(wait.on_timeout.index), "timeout"});
        break;
      }
      case StepKind::branch: {
        const auto& branch = std::get<BranchStep>(step.detail);
        bool has_default = false;
        for (const auto& branch_case : branch.cases) {
          edges.push_back({id, node_id(branch_case.target.index), branch_case.when ? branch_case.when->text : "else"});
          has_default = has_default || !branch_case.when;
        }
        if (!has_default) edges.push_back({id, node_id(step.next.index), "else"});
        break;
      }
      case StepKind::split: {
        int total = 0;
        for (const auto& arm : std::get<SplitStep>(step.detail).arms) total += arm.weight;
        for (const auto& arm : std::get<SplitStep>(step.detail).arms)
          edges.push_back({id, node_id(arm.target.index),
                           total > 0 ? std::to_string(arm.weight * 100 / total) + "%" : std::to_string(arm.weight)});
        break;
      }
      case StepKind::wait_until: {
        edges.push_back({id, node_id(step.next.index), ""});
        if (const auto& skip = std::get<WaitUntilStep>(step.detail).skip_to)
          edges.push_back({id, node_id(skip->index), "if past"});
        break;
      }
      default: edges.push_back({id, node_id(step.next.index), ""});
    }
  }
  nodes.push_back({"done", "end", Node::Shape::terminal});
  if (exits || journey.goal) nodes.push_back({"exited", "exit", Node::Shape::terminal});
  if (journey.goal) {
    std::string goal = "goal: " + journey.goal->on;
    if (journey.goal->when) goal += "\nwhen " + journey.goal->when->text;
    nodes.push_back({"goal", goal, Node::Shape::start});
    edges.push_back({"goal", "exited", "any time", true});
  }
}

// Mermaid labels are quoted strings; a quote inside is written as an entity.
std::string mermaid_text(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '"')
      out += "#quot;";
    else if (c == '\n')
      out += "<br/>";
    else
      out += c;
  }
  return out;
}

std::string dot_text(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string draw_mermaid(const Journey& journey, const std::vector<Node>& nodes, const std::vector<Edge>& edges) {
  std::ostringstream out;
  out << "---\ntitle: " << (journey.name.empty() ? journey.id : journey.name) << "\n---\nflowchart TD\n";
  for (const auto& node : nodes) {
    const std::string label = "\"" + mermaid_text(node.label) + "\"";
    out << "  " << node.id;
    switch (node.shape) {
      case Node::Shape::start: out << "([" << label << "])"; break;
      case Node::Shape::step: out << "[" << label << "]"; break;
      case Node::Shape::decision: out << "{" << label << "}"; break;
      case Node::Shape::terminal: out << "((" << label << "))"; break;
    }
    out << '\n';
  }
  for (const auto& edge : edges) {
    out << "  " << edge.from << (edge.dotted ? " -.->" : " -->");
    if (!edge.label.empty()) out << "|\"" << mermaid_text(edge.label) << "\"|";
    out << ' ' << edge.to << '\n';
  }
  return out.str();
}

// Lines added under a text: notes[key], or only its line `only`.
std::string with_notes(std::string text, const std::map<std::string, std::vector<std::string>>& notes,
                       const std::string& key, std::optional<std::size_t> only = std::nullopt) {
  const auto it = notes.find(key);
  if (it == notes.end()) return text;
  for (std::size_t i = 0; i < it->second.size(); ++i)
    if (!only || *only == i) text += "\n" + it->second[i];
  return text;
}

// `notes`: null for `parcours graph`, whose output stays as it was.
std::string draw_dot(const Journey& journey, const std::vector<Node>& nodes, const std::vector<Edge>& edges,
                     const DotNotes* notes) {
  std::ostringstream out;
  out << "digraph \"" << dot_text(journey.id) << "\" {\n"
      << "  label=\"" << dot_text(journey.name.empty() ? journey.id : journey.name) << "\";\n"
      << "  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n";
  if (notes != nullptr)
    for (const auto& statement : notes->statements) out << "  " << statement << "\n";
  std::map<std::string, const Step*> steps;  // node id → the step it draws
  for (const auto& step : journey.steps) steps[node_id(step.index)] = &step;
  const auto step_of = [&steps](const std::string& node) -> const Step* {
    const auto it = steps.find(node);
    return it == steps.end() ? nullptr : it->second;
  };
  for (const auto& node : nodes) {
    const char* shape = "box";
    switch (node.shape) {
      case Node::Shape::start: shape = "oval"; break;
      case Node::Shape::step: shape = "box"; break;
      case Node::Shape::decision: shape = "diamond"; break;
      case Node::Shape::terminal: shape = "doublecircle"; break;
    }
    out << "  " << node.id << " [shape=" << shape << ", label=\"";
    if (notes == nullptr) {
      out << dot_text(node.label) << "\"];\n";
      continue;
    }
    const Step* step = step_of(node.id);
    const std::string end = node.id == "done" ? "end" : node.id;  // entry, end, exited, goal
    const std::string label = step != nullptr ? with_notes(node.label, notes->steps, counter_label(*step))
                                              : with_notes(node.label, notes->ends, end);
    const std::string id = step != nullptr ? step_node_id(counter_label(*step)) : "journey-" + end;
    out << dot_text(label) << "\", id=\"" << dot_text(id) << "\"];\n";
  }
  std::map<std::string, std::size_t> arms_drawn;  // a split's edges are its arms, in order (collect())
  for (const auto& edge : edges) {
    out << "  " << edge.from << " -> " << edge.to;
    std::string attributes;
    std::string label = edge.label;
    if (const Step* from = step_of(edge.from); notes != nullptr && from != nullptr && from->kind == StepKind::split)
      label = with_notes(label, notes->split_arms, counter_label(*from), arms_drawn[edge.from]++);
    if (!label.empty()) attributes += "label=\"" + dot_text(label) + "\"";
    if (edge.dotted) attributes += std::string(attributes.empty() ? "" : ", ") + "style=dotted";
    if (!attributes.empty()) out << " [" << attributes << "]";
    out << ";\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace

std::string draw_journey(const Journey& journey, GraphFormat format) {
  std::vector<Node> nodes;
  std::vector<Edge> edges;
  collect(journey, nodes, edges);
  return format == GraphFormat::mermaid ? draw_mermaid(journey, nodes, edges)
                                        : draw_dot(journey, nodes, edges, nullptr);
}

std::string draw_journey_dot(const Journey& journey, const DotNotes& notes) {
  std::vector<Node> nodes;
  std::vector<Edge> edges;
  collect(journey, nodes, edges);
  return draw_dot(journey, nodes, edges, &notes);
}

std::string step_node_id(const std::string& step_label) {
  std::string id = "step-" + step_label;
  for (char& c : id)
    if (c == ' ') c = '-';
  return id;
}

}  // namespace parcours::journey
