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
	at     offsets // where each byte of text comes from; nil when text is the source
	links  []link  // every link of the source, in source order
}

// src maps an offset in the visible text to the source.
func (v view) src(i int) int {
	if v.at == nil {
		return i
	}
	if i >= len(v.text) {
		return len(v.source)
	}
	return v.at.src(i)
}

// srcEnd maps the end of a stretch of visible text (an offset one past its
// last byte) to the source offset one past the source of that byte, past
// the whole of a character reference.
func (v view) srcEnd(i int) int {
	if v.at == nil || i == 0 {
		return i
	}
	p := v.src(i - 1)
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
	return sort.Search(len(v.text), func(i int) bool { return v.src(i) >= p })
}

// offsets maps visible text to its source as stretches: in a linear one,
// text[text+k] comes from source[src+k]; in the others (a character
// reference, the line break of a block tag) every byte comes from
// source[src]. Stretches are in order and cover the text.
type offsets []stretch

type stretch struct {
	text, src int32
	linear    bool
}

// add records that the next n bytes of text, starting at offset t, come
// from source offset p: each from p+k when linear, all from p otherwise.
func (o *offsets) add(t, p, n int, linear bool) {
	linear = linear || n == 1
	if k := len(*o) - 1; k >= 0 && linear && (*o)[k].linear && int((*o)[k].src)+t-int((*o)[k].text) == p {
		return // continues the last stretch
	}
	*o = append(*o, stretch{text: int32(t), src: int32(p), linear: linear})
}

// src returns the source offset of text[i].
func (o offsets) src(i int) int {
	k := sort.Search(len(o), func(k int) bool { return int(o[k].text) > i }) - 1
	if o[k].linear {
		return int(o[k].src) + i - int(o[k].text)
	}
	return int(o[k].src)
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
func plainView(c linkCache, text string) view {
	return view{source: text, text: text, links: c.textLinks(text)}
}

// isBlockTag tells the elements that end a line of visible text.
func isBlockTag(name string) bool {
	switch name {
	case "p", "div", "br", "tr", "li", "table", "td", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ul", "ol":
		return true
	}
	return false
}

// htmlView renders HTML to lines of visible text, keeping source offsets.
// Block elements end lines; white space in the source is a space; style,
// script and head contents and comments are not visible.
func htmlView(c linkCache, src string) view {
	text, at := renderHTML(src, true)
	return view{source: src, text: text, at: at, links: c.htmlLinks(src)}
}

// renderHTML returns the visible text of HTML and, if asked, where each
// of its bytes comes from.
func renderHTML(src string, withOffsets bool) (string, offsets) {
	var b strings.Builder
	b.Grow(len(src))
	var at offsets
	if withOffsets {
		at = make(offsets, 0, 64)
	}
	emit := func(s string, pos int, linear bool) {
		if withOffsets {
			at.add(b.Len(), pos, len(s), linear)
		}
		b.WriteString(s)
	}
	pre := 0 // inside <pre>, where a line break is one
	for i := 0; i < len(src); {
		if t, ok := tagAt(src, i); ok {
			if isBlockTag(t.name) {
				emit("\n", i, false)
			}
			if t.name == "pre" && t.closing {
				pre = max(pre-1, 0)
			} else if t.name == "pre" && !t.void {
				pre++
			}
			i = t.end
			continue
		}
		switch c := src[i]; {
		case c == '&':
			s, n := entityAt(src, i)
			emit(s, i, false)
			i += n
		case c == '\n' && pre > 0:
			emit("\n", i, true)
			i++
		case c == '\r' || c == '\n' || c == '\t':
			emit(" ", i, true)
			i++
		case c == 0xc2 && i+1 < len(src) && src[i+1] == 0xa0:
			emit(" ", i, false) // a no-break space, as &nbsp; is read
			i += 2
		default: // a run of plain text, each byte standing for itself
			j := i + 1
			for j < len(src) && !isMarkupByte(src[j]) {
				j++
			}
			emit(src[i:j], i, true)
			i = j
		}
	}
	if withOffsets && at == nil {
		at = offsets{} // no text at all, but still not the source
	}
	return b.String(), at
}

// isMarkupByte tells the bytes renderHTML does not copy as they are.
func isMarkupByte(c byte) bool {
	return c == '<' || c == '&' || c == '\r' || c == '\n' || c == '\t' || c == 0xc2
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
