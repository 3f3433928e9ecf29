package main

import "fmt"

// counted is n with its noun in the right number: "1 user", "2 users",
// "1 update", "0 meetings". Nouns whose plural is not noun+"s" give it
// after a slash: "batch/batches".
func counted(n int, noun string) string {
	one, many := noun, noun+"s"
	for i := range len(noun) {
		if noun[i] == '/' {
			one, many = noun[:i], noun[i+1:]
			break
		}
	}
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
