package batch

import (
	"runtime/debug"
	"testing"
)

// A build from a checkout without VCS stamping (GOFLAGS=-buildvcs=false)
// still says which version it is (found by an audit: "(devel)" alone).
func TestVersionOfADevelBuild(t *testing.T) {
	for _, c := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, release + "-devel"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}},
			release + "-devel (revision 0123456789ab, modified)"},
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
	} {
		if got := versionOf(&c.info, true); got != c.want {
			t.Errorf("%+v: %q, want %q", c.info.Main, got, c.want)
		}
	}
}
