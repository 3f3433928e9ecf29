package block

import (
	"html"
	"sort"
	"strings"
)

// view is the visible text of a body, with the offset in the source of
// every byte, and the links the source holds.
type view struct {
	source string
	text   string
	at     []int32 // at[i] is the source offset of text[i]; nil when text is the source
	links  []link  // every link of the source, in source order
}

// src maps an offset in the visible text to the source.
func (v view) src(i int) int {
	if v.at == nil {
		return i
	}
	return int(v.at[i])
}

// srcEnd maps the end of a stretch of visible text (an offset one past its
// last byte) to the source offset one past the source of that byte, past
// the whole of a character reference.
func (v view) srcEnd(i int) int {
	if v.at == nil || i == 0 {
		return i
	}
	p := int(v.at[i-1])
	if v.source[p] == '&' {
		if k := strings.IndexByte(v.source[p:], ';'); k >= 0 {
			return p + k + 1
		}
	}
	return p + 1
}

// textPos maps a source offset to the first visible byte at or after it.
func (v view) textPos(p int) int {
	if v.at == nil {
		return p
	}
	return sort.Search(len(v.text), func(i int) bool { return int(v.at[i]) >= p })
}

// linksIn returns the links whose source lies inside a stretch of visible
// text.
func (v view) linksIn(r region) []link {
	lo, hi := v.src(r.start), v.srcEnd(r.end)
	var out []link
	for _, l := range v.links {
		if l.pos >= lo && l.pos < hi {
			out = append(out, l)
		}
	}
	return out
}

// plainView is a plain-text body: the text is its own source.
func plainView(text string) view {
	return view{source: text, text: text, links: textLinks(text)}
}

// blockTags end a line of visible text.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "tr": true, "li": true, "table": true, "td": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "hr": true, "ul": true, "ol": true,
}

// htmlView renders HTML to lines of visible text, keeping source offsets.
// Block elements end lines; white space in the source is a space; style,
// script and head contents and comments are not visible.
func htmlView(src string) view {
	text, at := renderHTML(src, true)
	return view{source: src, text: text, at: at, links: htmlLinks(src)}
}

// renderHTML returns the visible text of HTML and, if asked, the source
// offset of each of its bytes followed by len(src).
func renderHTML(src string, offsets bool) (string, []int32) {
	var b strings.Builder
	b.Grow(len(src))
	var at []int32
	if offsets {
		at = make([]int32, 0, len(src)+1)
	}
	emit := func(s string, pos int) { // every byte of s stands for src[pos]
		if offsets {
			for range len(s) {
				at = append(at, int32(pos))
			}
		}
		b.WriteString(s)
	}
	for i := 0; i < len(src); {
		if t, ok := tagAt(src, i); ok {
			if blockTags[t.name] {
				emit("\n", i)
			}
			i = t.end
			continue
		}
		switch c := src[i]; {
		case c == '&':
			s, n := entityAt(src, i)
			emit(s, i)
			i += n
		case c == '\r' || c == '\n' || c == '\t':
			emit(" ", i)
			i++
		default: // a run of plain text, each byte standing for itself
			j := i + 1
			for j < len(src) && !isMarkupByte(src[j]) {
				j++
			}
			if offsets {
				for k := i; k < j; k++ {
					at = append(at, int32(k))
				}
			}
			b.WriteString(src[i:j])
			i = j
		}
	}
	if offsets {
		at = append(at, int32(len(src)))
	}
	return b.String(), at
}

// isMarkupByte tells the bytes renderHTML does not copy as they are.
func isMarkupByte(c byte) bool {
	return c == '<' || c == '&' || c == '\r' || c == '\n' || c == '\t'
}

// entityAt decodes the character reference at src[i] ("&nbsp;" is a space)
// and says how many source bytes it takes; a lone '&' is itself.
func entityAt(src string, i int) (string, int) {
	semi := strings.IndexByte(src[i:min(len(src), i+12)], ';')
	if semi < 0 {
		return "&", 1
	}
	s := html.UnescapeString(src[i : i+semi+1])
	return strings.ReplaceAll(s, "\u00a0", " "), semi + 1
}
