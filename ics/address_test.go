package ics

import (
	"slices"
	"testing"
)

func TestFirstOfEach(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"b", "a", "c"}, []string{"b", "a", "c"}},
		{[]string{"b", "a", "b", "c", "a"}, []string{"b", "a", "c"}},
		{[]string{"a", "a"}, []string{"a"}},
		{nil, nil},
	} {
		if got := firstOfEach(slices.Clone(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("firstOfEach(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
