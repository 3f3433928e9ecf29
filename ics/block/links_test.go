package block

import "testing"

func TestHTMLLinks(t *testing.T) {
	src := `<p><A HREF='https://a.example/1'>one</A> <a class="x_link" originalsrc="https://b.example/2" href="https://nam06.safelinks.protection.outlook.com/?url=https%3A%2F%2Fc.example%2F3&amp;data=x">two</a>` +
		`<a name=OutJoinLink><a target=_blank href=https://d.example/4?a=1&amp;b=2>four</a><abbr href="https://no.example">x</abbr><a data-href="https://no.example" href = "https://e.example/5">five</a></p>`
	var got []string
	for _, l := range htmlLinks(src) {
		got = append(got, l.url)
	}
	want := []string{"https://a.example/1", "https://b.example/2", "https://d.example/4?a=1&b=2", "https://e.example/5"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("link %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestTextLinks(t *testing.T) {
	text := "Join <https://teams.microsoft.com/l/meetup-join/a\nb> or https://x.example/y. Call <tel:+4685,,1#>"
	var got []string
	for _, l := range textLinks(text) {
		got = append(got, l.url)
	}
	want := []string{"https://teams.microsoft.com/l/meetup-join/ab", "https://x.example/y", "tel:+4685,,1#"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("link %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// nextLinkStart finds what a scan of every offset for the three prefixes
// finds.
func TestNextLinkStart(t *testing.T) {
	scan := func(text string, i int) int {
		for ; i < len(text); i++ {
			if hasPrefixFold(text[i:], "http://") || hasPrefixFold(text[i:], "https://") || hasPrefixFold(text[i:], "tel:") {
				return i
			}
		}
		return -1
	}
	for _, text := range []string{
		"", ":", "http:", "http://", "xhttps://a", "HTTPS://A tel:1", "ttel:+1", "tel", "a:b:c tel::", "https:/x http://y",
		"ſhttp://x", "hTtP://x", "https://a https://b", "<https://x>:tel:", "tel:http://", "https:https://",
	} {
		for i := 0; i <= len(text); i++ {
			if got, want := nextLinkStart(text, i), scan(text, i); got != want {
				t.Errorf("nextLinkStart(%q, %d) = %d, want %d", text, i, got, want)
			}
		}
	}
}
