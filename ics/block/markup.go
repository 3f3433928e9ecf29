package block

import "strings"

// IsMarkup reports whether a body read as plain text is HTML source: a
// description Google Calendar exports with its formatting, where Outlook
// would have written an X-ALT-DESC beside plain text. It looks for an
// element HTML bodies are made of, so the <https://...> around Outlook's
// plain-text links does not count.
func IsMarkup(text string) bool {
	for i := strings.IndexByte(text, '<'); i >= 0 && i < len(text); {
		next := i + 1
		if t, ok := tagAt(text, i); ok {
			if bodyElement(t.name) && tagNameEnds(text, i, t) {
				return true
			}
			next = max(t.end, next) // a tag is read once: the scan stays linear
		}
		j := strings.IndexByte(text[min(next, len(text)):], '<')
		if j < 0 {
			return false
		}
		i = next + j
	}
	return false
}

// tagNameEnds reports whether the name of the tag at text[i] ends as a
// tag's does (a blank, '/' or '>'), not as "<p.jones@contoso.com>" does.
func tagNameEnds(text string, i int, t tag) bool {
	k := i + 1 + len(t.name)
	if t.closing {
		k++
	}
	return k < len(text) && strings.IndexByte(" \t\r\n/>", text[k]) >= 0
}

// bodyElement tells the elements an HTML body is written with.
func bodyElement(name string) bool {
	switch name {
	case "a", "span", "b", "i", "u", "strong", "em", "font", "html", "body", "img":
		return true
	}
	return isBlockTag(name)
}

// HTMLText returns the visible text of an HTML body as Outlook writes an
// invitation's plain text: a line for each block element, blank lines
// not repeated, and a link's target after its text, in <...>. It is an
// update mail's plain-text part for a meeting whose only body is HTML.
func HTMLText(src string) string {
	var b strings.Builder
	b.Grow(len(src) / 2)
	href, from := "", 0 // the open anchor's target, and where its text starts in b
	for i := 0; i < len(src); {
		if t, ok := tagAt(src, i); ok {
			switch {
			case t.name == "a" && !t.closing:
				href, from = anchorTarget(src[t.start:t.end]), b.Len()
			case t.name == "a" && href != "":
				if !strings.Contains(b.String()[from:], href) {
					b.WriteString("<" + href + ">")
				}
				href = ""
			case isBlockTag(t.name):
				b.WriteByte('\n')
			}
			i = t.end
			continue
		}
		switch c := src[i]; c {
		case '&':
			s, n := entityAt(src, i)
			b.WriteString(s)
			i += n
		case '\r', '\n', '\t':
			b.WriteByte(' ')
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	var out strings.Builder
	blank := true // no blank line first, nor two in a row
	for line := range strings.SplitSeq(b.String(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" && blank {
			continue
		}
		blank = line == ""
		out.WriteString(line + "\n")
	}
	return strings.TrimRight(out.String(), "\n")
}
