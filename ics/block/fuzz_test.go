package block

import "testing"

// FuzzFind: finding never panics and spans stay inside the text.
func FuzzFind(f *testing.F) {
	for _, s := range specs {
		f.Add(RenderText(s))
		f.Add(RenderHTML(s))
	}
	f.Add("____________\n<https://meet.lync.com/a/b/c\n>\n............\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, find := range []func(string) (Block, bool){FindText, FindHTML} {
			if b, ok := find(text); ok && (b.Start < 0 || b.Start > b.End || b.End > len(text)) {
				t.Fatalf("span [%d,%d) outside %d bytes", b.Start, b.End, len(text))
			}
		}
	})
}
