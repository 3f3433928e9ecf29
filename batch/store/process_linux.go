package store

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procToken is what tells a process from a later one with the same pid:
// its start time, in clock ticks since boot (/proc/PID/stat field 22).
func procToken(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 {
		return ""
	}
	return fields[19]
}

// sameProcess reports whether pid still runs the process that token named;
// known is false when that cannot be told.
func sameProcess(pid int, token string) (running, known bool) {
	if pid <= 0 {
		return false, false
	}
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false, true
	}
	if token == "" {
		return true, true
	}
	now := procToken(pid)
	if now == "" {
		return false, false
	}
	return now == token, true
}
