package batch

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Version is mms's module version and VCS revision, from the build
// information the Go toolchain records: "v1.2.0 (revision 1a2b3c4d5e6f,
// 2026-12-01T10:00:00Z, modified)"; built from a checkout, which the
// toolchain calls "(devel)", release with "-devel" and what is known
// ("v0.32.0-devel (revision ...)", or alone where VCS stamping is off).
func Version() string { return versionOf(debug.ReadBuildInfo()) }

// release is the version this source tree is, or leads to.
const release = "v0.32.0"

func versionOf(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return "unknown (built without module support)"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" { // built from a checkout: go build, go run
		v = release + "-devel"
	}
	var rev []string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = append([]string{"revision " + s.Value[:min(len(s.Value), 12)]}, rev...)
		case "vcs.time":
			rev = append(rev, s.Value)
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified {
		rev = append(rev, "modified")
	}
	if len(rev) == 0 {
		return v
	}
	return fmt.Sprintf("%s (%s)", v, strings.Join(rev, ", "))
}
