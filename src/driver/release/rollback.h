#ifndef DOTK8S_DRIVER_RELEASE_ROLLBACK_H_
#define DOTK8S_DRIVER_RELEASE_ROLLBACK_H_

// The steps of `dotk8s rollback` before the upgrade it runs: which revision,
// whether it may be a target, its values in a private file, what is said.
// Why a rollback is an upgrade: commands/rollback.cc.

#include <string>
#include <string_view>
#include <vector>

#include "driver/context.h"
#include "driver/release/release_history.h"
#include "driver/release/setup.h"

namespace dotk8s {

/// The release and the revision the command line names; revision 0: the default.
struct RollbackTarget {
  std::string release = std::string(kDefaultRelease);
  int revision = 0;
};

/// [REVISION], [RELEASE] or [RELEASE REVISION]: a lone number is the revision.
/// False with `error` when there are more arguments or REVISION is no number.
bool ParseRollbackArguments(const std::vector<std::string>& positionals, RollbackTarget* target, std::string* error);

/// The revision a rollback goes to, and the newest the release has.
struct RollbackRevision {
  ReleaseRevision target;
  int newest = 0;  ///< the last revision helm history lists
};

/// Reads the chart's identity and the release's revisions (helm history, a
/// probe), chooses the target (default: the newest minus one, as Helm picks
/// it), which must be deployed or superseded and made by the chart dotk8s
/// deploys. Returns an exit code, having said why when it is not kExitOk.
int ChooseRollbackRevision(DriverContext& context, const PreparedRelease& prepared, const RollbackTarget& wanted,
                           RollbackRevision* chosen);

/// A file only this user can read (mkstemp: mode 0600) in dotk8s's own cache
/// directory, for a revision's values, which may hold passwords; removed when
/// the rollback ends, whatever happened.
class PrivateValuesFile {
 public:
  explicit PrivateValuesFile(const DriverContext& context);
  ~PrivateValuesFile();
  PrivateValuesFile(const PrivateValuesFile&) = delete;
  PrivateValuesFile& operator=(const PrivateValuesFile&) = delete;

  /// "" when the file could not be made (error() says why).
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

  /// Writes `content` through a descriptor opened without O_CREAT: the file
  /// mkstemp made, never one put in its place.
  bool Write(std::string_view content) const;

 private:
  std::string path_;
  std::string error_;
};

/// `helm get values RELEASE -n NS --revision N -o yaml` (a probe) into
/// `values_file`; the values are never shown. Returns an exit code.
int WriteRevisionValues(DriverContext& context, const PreparedRelease& prepared, int revision,
                        const PrivateValuesFile& values_file);

/// What the rollback is about to do, and why not `helm rollback`.
void SayRollbackPlan(const DriverContext& context, const PreparedRelease& prepared, const RollbackRevision& chosen);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_ROLLBACK_H_
