package block

import (
	"html"
	"strings"
)

// view is the visible text of a body, with the offset in the source of every
// byte, and the links the source holds.
type view struct {
	text  string
	at    []int32                 // at[i] is the source offset of text[i]; nil when text is the source
	links func(lo, hi int) []link // the links of source[lo:hi]
}

// src maps an offset in the visible text to the source.
func (v view) src(i int) int {
	if v.at == nil {
		return i
	}
	return int(v.at[i])
}

// link is a URL found in the source, at a source offset.
type link struct {
	url string // unwrapped
	pos int
}

// plainView is a plain-text body: the text is its own source.
func plainView(text string) view {
	return view{text: text, links: func(lo, hi int) []link { return shift(textLinks(text[lo:hi]), lo) }}
}

func shift(links []link, by int) []link {
	for i := range links {
		links[i].pos += by
	}
	return links
}

// blockTags end a line of visible text.
var blockTags = map[string]bool{"p": true, "div": true, "br": true, "tr": true, "li": true, "table": true, "h1": true, "h2": true, "h3": true}

// htmlView renders HTML to lines of visible text, keeping source offsets.
// Style, script and head contents and comments are not visible.
func htmlView(src string) view {
	var b strings.Builder
	at := make([]int32, 0, len(src)/2)
	emit := func(s string, pos int) {
		for i := 0; i < len(s); i++ {
			at = append(at, int32(pos))
		}
		b.WriteString(s)
	}
	for i := 0; i < len(src); {
		switch {
		case strings.HasPrefix(src[i:], "<!--"):
			i = skipPast(src, i, "-->")
		case src[i] == '<':
			name, end := tagName(src, i)
			if name == "style" || name == "script" || name == "head" {
				end = skipPast(src, end, "</"+name)
				end = skipPast(src, end, ">")
			}
			if blockTags[strings.TrimPrefix(name, "/")] {
				emit("\n", i)
			}
			i = end
		case src[i] == '&':
			semi := strings.IndexByte(src[i:min(len(src), i+12)], ';')
			if semi < 0 {
				emit("&", i)
				i++
				continue
			}
			entity := html.UnescapeString(src[i : i+semi+1])
			entity = strings.ReplaceAll(entity, "\u00a0", " ")
			emit(entity, i)
			i += semi + 1
		case src[i] == '\r' || src[i] == '\n' || src[i] == '\t':
			emit(" ", i)
			i++
		default:
			emit(src[i:i+1], i)
			i++
		}
	}
	at = append(at, int32(len(src)))
	return view{text: b.String(), at: at, links: func(lo, hi int) []link { return shift(htmlLinks(src[lo:hi]), lo) }}
}

// tagName returns the lower-case name of the tag at i ("/p" for an end tag)
// and the offset after its '>'.
func tagName(src string, i int) (string, int) {
	j := i + 1
	for j < len(src) && src[j] != '>' && src[j] != ' ' && src[j] != '\t' && src[j] != '\n' && src[j] != '\r' && !(src[j] == '/' && j > i+1) {
		j++
	}
	name := strings.ToLower(src[i+1 : j])
	end := skipPast(src, j, ">")
	return name, end
}

func skipPast(src string, i int, marker string) int {
	k := strings.Index(src[i:], marker)
	if k < 0 {
		return len(src)
	}
	return i + k + len(marker)
}

// elementStart moves a block start back to the opening tag of the paragraph
// or division that holds it.
func elementStart(src string, pos int) int {
	lower := strings.ToLower(src[:pos])
	best := -1
	for _, tag := range []string{"<p ", "<p>", "<div ", "<div>"} {
		if k := strings.LastIndex(lower, tag); k > best {
			best = k
		}
	}
	if best < 0 {
		return pos
	}
	return best
}

// elementEnd moves a block end forward past the end tag of the paragraph or
// division that holds it.
func elementEnd(src string, pos int) int {
	lower := strings.ToLower(src[pos:])
	best := -1
	for _, tag := range []string{"</p>", "</div>"} {
		if k := strings.Index(lower, tag); k >= 0 && (best < 0 || k < best) {
			best = k + len(tag)
		}
	}
	if best < 0 {
		return pos
	}
	return pos + best
}
