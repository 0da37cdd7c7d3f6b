#include "core/passes/references.h"

#include <algorithm>
#include <cctype>

namespace dotk8s {

std::string_view ReferenceShapeName(ReferenceShape shape) {
  switch (shape) {
    case ReferenceShape::kNamespaceField:
      return "namespace field";
    case ReferenceShape::kServiceDns:
      return "service DNS name";
    case ReferenceShape::kNamespacedName:
      return "namespace/name";
    case ReferenceShape::kNamespaceSetting:
      return "namespace setting";
    case ReferenceShape::kDerivedName:
      return "name derived from the namespace";
  }
  return "reference";
}

namespace {

bool IsLabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Where a host name may begin: the start, or after a separator of URLs, lists
// and flags.
bool IsHostStart(std::string_view value, std::size_t at) {
  if (at == 0) return true;
  const char c = value[at - 1];
  return c == '/' || c == '@' || c == '=' || c == ',' || c == ';' || c == '"' || c == '\'' || c == '(' ||
         c == '[' || c == '{' || c == ' ' || c == '\t' || c == '\n' || c == '`';
}

// What may follow a namespace that ends a host name: the end, a port, a path,
// `.svc...`, or a separator.
bool IsHostEnd(std::string_view value, std::size_t at) {
  if (at == value.size()) return true;
  const char c = value[at];
  if (c == '.') return value.substr(at, 4) == ".svc" && (at + 4 == value.size() || !IsLabelChar(value[at + 4]));
  return c == ':' || c == '/' || c == ',' || c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || c == ' ' ||
         c == '\t' || c == '\n' || c == ';' || c == '`';
}

// The start of the DNS label that ends at `end` (exclusive), or `end` if none does.
std::size_t LabelStart(std::string_view value, std::size_t end) {
  std::size_t start = end;
  while (start > 0 && IsLabelChar(value[start - 1])) --start;
  return start;
}

// `<service>.R` or, for a pod of a headless Service, `<pod>.<service>.R.svc`:
// returns the service name, or "" if the shape does not fit. Whether such a
// Service exists is the caller's to decide (a two-label host like
// `cluster.local` has the same shape).
std::string ServiceBefore(std::string_view value, std::size_t position, std::size_t ns_size) {
  if (position < 2 || value[position - 1] != '.') return {};
  const std::size_t start = LabelStart(value, position - 1);
  if (start == position - 1 || !IsHostEnd(value, position + ns_size)) return {};
  if (!IsHostStart(value, start)) {
    // Only a pod's name may stand before the service, and only in `.svc` names.
    if (start < 2 || value[start - 1] != '.' || value.substr(position + ns_size, 4) != ".svc") return {};
    const std::size_t pod = LabelStart(value, start - 1);
    if (pod == start - 1 || !IsHostStart(value, pod)) return {};
  }
  std::string_view service = value.substr(start, position - 1 - start);
  if (service.front() == '-' || service.back() == '-') return {};
  return std::string(service);
}

// `R/<name>` at the start of a token: returns the name, or "" if it does not fit.
std::string NameAfter(std::string_view value, std::size_t position, std::size_t ns_size) {
  if (position > 0) {
    const char c = value[position - 1];
    if (c != '=' && c != ',' && c != ' ' && c != '"' && c != '\'' && c != '\t' && c != '\n') return {};
  }
  std::size_t slash = position + ns_size;
  if (slash >= value.size() || value[slash] != '/') return {};
  std::size_t end = slash + 1;
  while (end < value.size() && (IsLabelChar(value[end]) || value[end] == '.')) ++end;
  if (end == slash + 1) return {};
  if (end < value.size() && !(value[end] == ',' || value[end] == ' ' || value[end] == '"' || value[end] == '\'' ||
                              value[end] == '\n' || value[end] == ':')) {
    return {};
  }
  return std::string(value.substr(slash + 1, end - slash - 1));
}

// A command-line flag whose value is a namespace: `-n`, `--namespace`,
// `--watch-namespace`, `-namespace`.
bool IsNamespaceFlag(std::string_view word) {
  const std::string flag = Lower(word);
  return flag == "-n" || (flag.size() > 1 && flag[0] == '-' && EndsWith(flag, "namespace"));
}

// `key=R`, `key="R"`, `key=~"R"`, `key: R`, `"key": "R"` where the key names a
// namespace (`--namespace`, PromQL `namespace`, `exported_namespace`).
bool IsNamespaceSetting(std::string_view value, std::size_t position, std::size_t ns_size) {
  std::size_t after = position + ns_size;
  if (after < value.size()) {
    const char c = value[after];
    const bool ends = c == '"' || c == '\'' || c == '`' || c == ',' || c == ' ' || c == '}' || c == ')' ||
                      c == ';' || c == '\n' || c == '\t' || c == ']' || c == '\r' || c == '|';
    if (!ends) return false;
  }
  std::size_t at = position;
  // A flag and its value as two words: `-n R`, `--watch-namespace R`.
  if (at >= 2 && value[at - 1] == ' ') {
    std::size_t flag = at - 1;
    while (flag > 0 && value[flag - 1] != ' ' && value[flag - 1] != '\n' && value[flag - 1] != '\t') --flag;
    if (IsNamespaceFlag(value.substr(flag, at - 1 - flag))) return true;
  }
  // One alternative of a regular expression: `namespace=~"a|R"`.
  const bool alternative = at > 0 && value[at - 1] == '|';
  // One item of a list under a key that names namespaces: `NAMESPACES=a,R`.
  const bool list_item = at > 0 && value[at - 1] == ',';
  while (at > 0 && (IsLabelChar(value[at - 1]) || (alternative && (value[at - 1] == '|' || value[at - 1] == '.' ||
                                                                   value[at - 1] == '*')) ||
                    (list_item && value[at - 1] == ','))) {
    --at;
  }
  if (!alternative && !list_item && at != position) return false;
  if (at > 0 && (value[at - 1] == '"' || value[at - 1] == '\'' || value[at - 1] == '`')) --at;
  // The operator: = =~ != !~ or ": " / ":".
  if (at >= 2 && (value.substr(at - 2, 2) == "=~" || value.substr(at - 2, 2) == "!~")) {
    at -= 2;
  } else if (alternative) {
    return false;  // `|` is an alternation only in a regular-expression matcher
  } else if (at >= 2 && value.substr(at - 2, 2) == "!=") {
    at -= 2;
  } else if (at >= 1 && value[at - 1] == '=') {
    at -= 1;
  } else if (at >= 2 && value.substr(at - 2, 2) == ": ") {
    at -= 2;
  } else if (at >= 1 && value[at - 1] == ':') {
    at -= 1;
  } else {
    return false;
  }
  while (at > 0 && value[at - 1] == ' ') --at;
  if (at > 0 && (value[at - 1] == '"' || value[at - 1] == '\'')) --at;
  std::size_t key_end = at;
  while (at > 0 && (IsAlnum(value[at - 1]) || value[at - 1] == '_' || value[at - 1] == '-' || value[at - 1] == '.')) --at;
  std::string key = Lower(value.substr(at, key_end - at));
  // A list of namespaces (`NAMESPACES=R,a`) as well as one.
  return EndsWith(key, "namespace") || EndsWith(key, "namespaces");
}

const std::string* Sibling(const ScalarContext& context, std::size_t up, std::string_view key) {
  if (context.path == nullptr || context.path->size() < up || !context.scalar_at) return nullptr;
  FieldPath path(context.path->begin(), context.path->end() - static_cast<std::ptrdiff_t>(up));
  path.push_back(PathElement::Key(std::string(key)));
  return context.scalar_at(path);
}

// A field that holds a namespace, with the object the namespace goes with.
bool IsNamespaceField(const ScalarContext& context, NamespaceReference* reference) {
  const FieldPath& path = *context.path;
  if (path.empty()) return false;
  const PathElement& last = path.back();
  if (!last.is_index) {
    const std::string key = Lower(last.key);
    if (key == "namespace" || EndsWith(key, "namespace") || key == "kubernetes.io/metadata.name") {
      // The object the namespace belongs to: a `name` (and `kind`) beside it.
      if (const std::string* name = Sibling(context, 1, "name")) {
        reference->object_name = *name;
        if (const std::string* kind = Sibling(context, 1, "kind")) reference->object_kind = *kind;
      }
      return true;
    }
    if (key == "value") {
      // An environment variable whose name says it holds a namespace.
      const std::string* name = Sibling(context, 1, "name");
      return name != nullptr && EndsWith(Lower(*name), "namespace");
    }
    return false;
  }
  // An item of a list: matchNames, or the values of a metadata.name expression.
  if (path.size() >= 2 && !path[path.size() - 2].is_index) {
    const std::string list = Lower(path[path.size() - 2].key);
    // A program's argument after a namespace flag: `args: [--namespace, R]`.
    if ((list == "args" || list == "command") && last.index > 0 && context.scalar_at) {
      FieldPath previous = path;
      previous.back() = PathElement::Index(last.index - 1);
      const std::string* flag = context.scalar_at(previous);
      if (flag != nullptr && IsNamespaceFlag(*flag)) return true;
    }
    if (list == "matchnames" || EndsWith(list, "namespaces")) return true;
    if (list == "values") {
      const std::string* key = Sibling(context, 2, "key");
      return key != nullptr && *key == "kubernetes.io/metadata.name";
    }
  }
  return false;
}

}  // namespace

std::vector<std::size_t> StandaloneOccurrences(std::string_view value, std::string_view ns) {
  std::vector<std::size_t> positions;
  if (ns.empty()) return positions;
  std::size_t from = 0;
  while (true) {
    std::size_t at = value.find(ns, from);
    if (at == std::string_view::npos) break;
    const bool left = at == 0 || !IsLabelChar(value[at - 1]);
    const bool right = at + ns.size() == value.size() || !IsLabelChar(value[at + ns.size()]);
    if (left && right) positions.push_back(at);
    from = at + 1;
  }
  return positions;
}

std::vector<std::size_t> WordOccurrences(std::string_view value, std::string_view ns) {
  std::vector<std::size_t> words;
  for (std::size_t at : StandaloneOccurrences(value, ns)) {
    const bool joined = (at > 0 && value[at - 1] == '_') || (at + ns.size() < value.size() && value[at + ns.size()] == '_');
    if (!joined) words.push_back(at);
  }
  return words;
}

bool InClusterDomain(std::string_view value, std::size_t position, std::size_t size) {
  constexpr std::string_view kDomain = "cluster.local";
  const std::size_t from = position + size > kDomain.size() ? position + size - kDomain.size() : 0;
  for (std::size_t at = value.find(kDomain, from); at != std::string_view::npos && at <= position;
       at = value.find(kDomain, at + 1)) {
    const std::size_t end = at + kDomain.size();
    const bool left = at == 0 || !IsLabelChar(value[at - 1]);  // not `mycluster.local`
    const bool right = end == value.size() || !(IsLabelChar(value[end]) || value[end] == '.');
    if (left && right && position + size <= end) return true;
  }
  return false;
}

std::vector<NamespaceReference> FindNamespaceReferences(const ScalarContext& context, std::string_view ns) {
  std::vector<NamespaceReference> references;
  const std::string_view value = context.value;
  // The whole value is the namespace: a reference only in a field that holds one.
  if (value == ns) {
    NamespaceReference reference;
    reference.shape = ReferenceShape::kNamespaceField;
    if (context.path != nullptr && IsNamespaceField(context, &reference)) references.push_back(std::move(reference));
    return references;
  }
  const std::string_view last_key = context.path != nullptr ? LastKey(*context.path) : std::string_view();
  const bool group_like = last_key == "apiVersion" || last_key == "apiGroups" || last_key == "group" ||
                          last_key == "groupVersion" || last_key == "image";
  for (std::size_t position : StandaloneOccurrences(value, ns)) {
    NamespaceReference reference;
    reference.position = position;
    std::string service = ServiceBefore(value, position, ns.size());
    if (!service.empty()) {
      reference.shape = ReferenceShape::kServiceDns;
      reference.object_name = std::move(service);
      reference.object_kind = "Service";
      references.push_back(std::move(reference));
      continue;
    }
    if (!group_like) {
      std::string name = NameAfter(value, position, ns.size());
      if (!name.empty()) {
        reference.shape = ReferenceShape::kNamespacedName;
        reference.object_name = std::move(name);
        references.push_back(std::move(reference));
        continue;
      }
    }
    if (IsNamespaceSetting(value, position, ns.size())) {
      reference.shape = ReferenceShape::kNamespaceSetting;
      references.push_back(std::move(reference));
    }
  }
  return references;
}

}  // namespace dotk8s
