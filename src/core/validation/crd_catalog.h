#ifndef DOTK8S_CRD_CATALOG_H_
#define DOTK8S_CRD_CATALOG_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/validation/schema_value.h"

namespace dotk8s {

/// One CustomResourceDefinition found in a source. Indexing reads only the
/// outline (group, kind, scope); the schema is parsed on first use.
struct CrdDefinition {
  std::string group;
  std::string kind;
  std::string name;   ///< metadata.name, "gateways.gateway.networking.k8s.io"
  std::string scope;  ///< "Namespaced" or "Cluster"
  /// Where it was read: a file, "chart.tgz:gateway-helm/crds/x.yaml", or
  /// "doc 12 (dot-apps/charts/keda/templates/crds/crd-scaledobjects.yaml)".
  std::string source;
  std::size_t first_line = 1;  ///< of the document in its file
  std::string_view text;       ///< the document's YAML; the catalog owns the bytes
  /// A stream document with edits (its text is empty then): Parse applies
  /// them when it first needs the text. Indexing a stream reads headers only,
  /// and copying every edited CRD up front cost more than the rest of the pass.
  const Document* edited_document = nullptr;
};

/// A definition that lost to an earlier one of the same group and kind.
struct CrdConflict {
  std::string group;
  std::string kind;
  std::string used_source;
  std::string ignored_source;
};

/// One version of a parsed CRD.
struct CrdVersion {
  std::string name;
  bool served = true;
  bool deprecated = false;
  const JsonValue* schema = nullptr;  ///< openAPIV3Schema; nullptr if the version has none
};

/// A CRD read into a tree, for the versions' schemas.
struct ParsedCrd {
  JsonValue root;
  std::vector<CrdVersion> versions;

  const CrdVersion* Version(std::string_view name) const;
  /// "v1, v1beta1 (not served)".
  std::string VersionList() const;
};

/// Every CRD the sources define, by group and kind. The first source that
/// defines a group/kind wins; later ones are recorded as conflicts. Sources
/// are added in precedence order (ValidateAgainstCrds: the stream's own CRDs,
/// then each --crds path in the order given; in a directory, files in sorted
/// path order; in an archive, archive order).
class CrdCatalog {
 public:
  CrdCatalog();
  ~CrdCatalog();
  CrdCatalog(const CrdCatalog&) = delete;
  CrdCatalog& operator=(const CrdCatalog&) = delete;

  /// Indexes the CRDs among the stream's documents (removed ones excepted).
  /// The catalog points into `docs`: they must stay where they are while it is used.
  void AddStream(const std::vector<Document>& docs);

  /// Indexes the CRDs under `path`: a YAML file; a chart archive (.tgz: its
  /// charts' crds/ and templates/, nested charts/*.tgz too); a chart directory
  /// (one holding Chart.yaml: its crds/, templates/, charts/*.tgz and
  /// unpacked charts/*/); any other directory, recursively (YAML files,
  /// archives, chart directories). A path that cannot be read is an error; a
  /// file in it that is not valid YAML is a warning (its CRDs are skipped).
  Diagnostics AddPath(const std::string& path);
  /// The error AddPath gives for a path that is not there, without reading it.
  static Diagnostics CheckPath(const std::string& path);

  /// Indexes the CRDs of one YAML text read from `source`. Template text
  /// (`is_template`) has its `{{ }}` actions blanked out first.
  Diagnostics AddText(std::string text, const std::string& source, bool is_template);

  const CrdDefinition* Find(std::string_view group, std::string_view kind) const;
  /// Conflicts about this group/kind (later sources that also define it).
  std::vector<CrdConflict> ConflictsFor(std::string_view group, std::string_view kind) const;
  const std::vector<CrdConflict>& conflicts() const { return conflicts_; }
  std::size_t size() const { return definitions_.size(); }
  /// Every winning definition, in the order the sources were added.
  std::vector<const CrdDefinition*> Definitions() const;
  /// Files (and archive members) read, CRD or not, for the plan.
  std::size_t files_read() const { return files_read_; }

  /// The definition read into a tree; parsed on the first call, then kept.
  /// nullptr with `error` set if its YAML cannot be read.
  const ParsedCrd* Parse(const CrdDefinition& definition, std::string* error);

 private:
  void Add(CrdDefinition definition);
  Diagnostics AddDirectory(const std::string& path, bool is_chart);
  Diagnostics AddArchive(const std::string& path);
  Diagnostics AddFile(const std::string& path, bool is_template);
  Diagnostics IndexText(std::string_view text, const std::string& source, bool is_template);

  /// Bytes the definitions point into: strings, or files mapped into memory.
  struct SourceText;
  std::vector<std::unique_ptr<SourceText>> texts_;
  std::vector<std::unique_ptr<CrdDefinition>> definitions_;  ///< the winners
  std::map<std::pair<std::string, std::string>, const CrdDefinition*> by_kind_;
  std::vector<CrdConflict> conflicts_;
  std::map<const CrdDefinition*, std::unique_ptr<ParsedCrd>> parsed_;
  std::size_t files_read_ = 0;
};

/// Template text with its `{{ }}` actions taken out, line numbers kept: a
/// line holding only actions becomes empty, an action inside a line becomes
/// `x`. Enough to read the static CRDs charts such as KEDA's keep in templates/.
std::string BlankTemplateActions(std::string_view text);

}  // namespace dotk8s

#endif  // DOTK8S_CRD_CATALOG_H_
