# The strings of an OpenStack metadata JSON file, for a guest without a JSON
# parser. `awk -v key=K -f json.awk FILE` prints the value of the first
# string member K; with -v object=O, the value of every member of object O
# (one a line: public_keys). Escapes \" \\ \/ \n \t are decoded; the
# numbers, booleans and nesting of other members are skipped over.
{ text = text $0 "\n" }
END {
  n = length(text); i = 1; depth = 0; inside = 0; prev = ""
  while (i <= n) {
    c = substr(text, i, 1)
    if (c == "\"") {
      s = ""; i++
      while (i <= n) {
        c = substr(text, i, 1)
        if (c == "\\") {
          e = substr(text, i + 1, 1); i += 2
          if (e == "n") s = s "\n"; else if (e == "t") s = s "\t"; else s = s e
          continue
        }
        if (c == "\"") break
        s = s c; i++
      }
      i++
      # A string after "name": is a member's value.
      j = i; while (substr(text, j, 1) ~ /[ \t\n]/) j++
      if (substr(text, j, 1) == ":") { prev = s; i = j + 1; continue }
      if (key != "" && prev == key) { printf "%s", s; exit }
      if (object != "" && inside && depth == inside) print s
      prev = ""
      continue
    }
    if (c == "{") {
      depth++
      if (object != "" && prev == object && !inside) inside = depth
    } else if (c == "}") {
      if (inside && depth == inside) exit
      depth--
    }
    if (c !~ /[ \t\n]/) prev = (c == "{" || c == "[") ? prev : ""
    i++
  }
}
