package block

import (
	"slices"
	"strings"
)

// open is an element whose start tag has been read and whose end tag has
// not.
type open struct {
	name  string
	start int
}

// elementSpan widens src[s:e], a stretch of text in an HTML source, to the
// elements that hold its two ends, taken at the level where they are
// siblings, so that the span is balanced markup. An end is widened only as
// far as no visible text outside the stretch is taken in.
func elementSpan(src string, s, e int) (int, int) {
	w := walker{src: src}
	w.walkTo(s)
	atS := append([]open(nil), w.stack...)
	w.walkTo(e)
	atE := w.stack
	w.watch(atE)
	k := 0
	for k < len(atS) && k < len(atE) && atS[k] == atE[k] {
		k++
	}
	start, end := s, e
	for j := k; j < len(atS); j++ {
		if !hasVisibleText(src[atS[j].start:s]) {
			start = atS[j].start
			break
		}
	}
	ends := make([]int, len(atE))
	for j := len(atE) - 1; j >= k; j-- {
		ends[j] = w.endOf(atE[j])
	}
	for j := k; j < len(atE); j++ {
		if !hasVisibleText(src[e:ends[j]]) {
			end = ends[j]
			break
		}
	}
	return start, end
}

// walker reads the tags of a source in order, keeping the stack of open
// elements. HTML's implied end tags are honoured where Outlook relies on
// them: a new paragraph or block closes an open <p>, a new <li> an open
// <li>; an end tag closes every element opened inside its own.
type walker struct {
	src     string
	pos     int
	stack   []open
	watched []open // the elements whose ends are recorded
	ended   []int  // where each watched element ends; -1 while open
}

// watch starts recording where the given open elements end.
func (w *walker) watch(els []open) {
	w.watched = append([]open(nil), els...)
	w.ended = make([]int, len(els))
	for i := range w.ended {
		w.ended[i] = -1
	}
}

// walkTo reads every tag that starts before offset p.
func (w *walker) walkTo(p int) {
	for w.pos < p && w.pos < len(w.src) {
		w.step()
	}
}

// step reads the text or tag at w.pos.
func (w *walker) step() {
	t, ok := tagAt(w.src, w.pos)
	if !ok {
		if k := strings.IndexByte(w.src[w.pos+1:], '<'); k >= 0 {
			w.pos += k + 1
		} else {
			w.pos = len(w.src)
		}
		return
	}
	w.pos = t.end
	switch {
	case t.name == "" || t.void:
	case t.closing:
		w.close(t)
	default:
		w.implyEnd(t)
		w.stack = append(w.stack, open{t.name, t.start})
	}
}

func (w *walker) close(t tag) {
	for i := len(w.stack) - 1; i >= 0; i-- {
		if w.stack[i].name == t.name {
			w.pop(i+1, t.start)
			w.pop(i, t.end)
			return
		}
	}
}

func (w *walker) implyEnd(t tag) {
	if len(w.stack) == 0 {
		return
	}
	top := w.stack[len(w.stack)-1].name
	if top == "p" && closesP(t.name) || top == "li" && t.name == "li" {
		w.pop(len(w.stack)-1, t.start)
	}
}

// pop closes the elements from stack[i] up, ending them at offset end.
func (w *walker) pop(i, end int) {
	for _, o := range w.stack[i:] {
		if j := slices.Index(w.watched, o); j >= 0 {
			w.ended[j] = end
		}
	}
	w.stack = w.stack[:i]
}

// closesP tells the start tags that end an open <p>.
func closesP(name string) bool {
	switch name {
	case "p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr":
		return true
	}
	return false
}

// endOf reads on until the open element el is closed and returns the
// offset past its end tag, or the offset of the tag that closed it
// implicitly; the end of the source when it never is.
func (w *walker) endOf(el open) int {
	for w.holds(el) && w.pos < len(w.src) {
		w.step()
	}
	if j := slices.Index(w.watched, el); j >= 0 && w.ended[j] >= 0 {
		return w.ended[j]
	}
	return len(w.src)
}

func (w *walker) holds(el open) bool {
	for _, o := range w.stack {
		if o == el {
			return true
		}
	}
	return false
}

// hasVisibleText reports whether a stretch of HTML shows any text other
// than white space.
func hasVisibleText(fragment string) bool {
	text, _ := renderHTML(fragment, false)
	return strings.TrimSpace(text) != ""
}
