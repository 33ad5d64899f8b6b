# Writes INPUT into OUTPUT as a C array (child_policy_text, NUL-terminated)
# and its length, so the binaries carry the policy they were built with.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR length "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n\t"
       bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "/* Generated from policy/child.policy by policy/embed.cmake: do not edit. */\n"
  "#include \"policy/child_policy.h\"\n\n"
  "const char child_policy_text[] = {\n\t${bytes}0x00};\n"
  "const size_t child_policy_length = ${length};\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
