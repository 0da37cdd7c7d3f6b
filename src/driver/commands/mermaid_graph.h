#ifndef DOTK8S_DRIVER_COMMANDS_MERMAID_GRAPH_H_
#define DOTK8S_DRIVER_COMMANDS_MERMAID_GRAPH_H_

#include <string>
#include <string_view>

namespace dotk8s {

/// A Mermaid flowchart of a post-rendered stream: one box per namespace with
/// the components placed in it (document counts), and the objects that tie
/// them together: GatewayClass and Gateway, the namespaces whose HTTPRoutes the
/// Gateway and the ReferenceGrant admit, the PodMonitor and the Prometheus that
/// selects it, the ReferenceGrant and the interceptor Service it opens. Edges
/// are drawn only when the objects really match (selector labels, class name,
/// grant target), so the picture is evidence, not decoration.
bool MermaidGraph(std::string_view stream, std::string* graph, std::string* error);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_COMMANDS_MERMAID_GRAPH_H_
