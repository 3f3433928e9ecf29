package block

import (
	"reflect"
	"testing"
)

// FuzzFindText: finding never panics and spans stay inside the text, in
// plain text and in HTML; SpanText and SpanHTML find the same span, and a
// Finder the same blocks.
func FuzzFindText(f *testing.F) {
	for _, s := range specs {
		f.Add(RenderText(s))
		f.Add(RenderHTML(s))
	}
	for _, c := range findCases {
		f.Add(c.block)
	}
	f.Add("____________\n<https://meet.lync.com/a/b/c\n>\n............\n")
	f.Add("<div><p>______________________________________</div></p><a href='https://teams.microsoft.com/meet/1'>x</a><p>______________________________________")
	f.Add("<!--<p>_____________</p>--><style>&amp;</style>&#x5f;<a href=\"tel:+1,,2#")
	f.Fuzz(func(t *testing.T, text string) {
		for i, find := range []func(string) (Block, bool){FindText, FindHTML} {
			b, ok := find(text)
			if ok && (b.Start < 0 || b.Start > b.End || b.End > len(text)) {
				t.Fatalf("span [%d,%d) outside %d bytes", b.Start, b.End, len(text))
			}
			span := []func(string) (Block, bool){SpanText, SpanHTML}[i]
			if s, sok := span(text); sok != ok || s.Provider != b.Provider || s.Start != b.Start || s.End != b.End {
				t.Fatalf("span-only finder says %v %s [%d,%d), full finder %v %s [%d,%d)", sok, s.Provider, s.Start, s.End, ok, b.Provider, b.Start, b.End)
			}
			var f Finder
			withCache := []func(string) (Block, bool){f.FindText, f.FindHTML}[i]
			for range 2 { // the second time from the cache
				if fb, fok := withCache(text); fok != ok || !reflect.DeepEqual(fb, b) {
					t.Fatalf("Finder says %v %+v, FindText/FindHTML %v %+v", fok, fb, ok, b)
				}
			}
		}
	})
}
