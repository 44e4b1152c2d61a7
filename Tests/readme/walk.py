#!/usr/bin/env python3
"""Runs every command of README.md's ```sh blocks, in order, the way a newcomer would, in a
fresh copy of the clone (git's files only; .build is linked so that the built custos is there).

A command passes when it exits as its trailing comment says (`# exit N: …`), else 0. The set-up
commands `make …` and `swift build …` are what CI runs anyway and are not run again here.
Prints one line per command and a closing 'N passed, N failed'.

The same walk on PostgreSQL (make postgres-check; CUSTOS_PG_PASSWORD_FILE names the password):
- CUSTOS_WALK_VAULT=postgres://… puts the tour's vault in that database (CUSTOS_DB), with its
  keyring in tour/custos.keys.db, or in CUSTOS_WALK_KEYRING=postgres://… (another database);
- CUSTOS_WALK_DAY=postgres://… puts the demo's simulation vault (custos demo --folder tour/day)
  in that database, and every command that names it with --db goes there, its keyring staying
  in tour/day/custos.keys.db.
Each command is the README's, with only the vault's address rewritten."""
import os, re, shutil, subprocess, sys, tempfile

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
readme = open(os.path.join(repo, "README.md"), encoding="utf-8").read()

commands = []  # (line number, command, expected exit)
for block in re.finditer(r"^```sh\n(.*?)^```", readme, re.S | re.M):
    start = readme[: block.start()].count("\n") + 2
    lines = block.group(1).split("\n")
    index = 0
    while index < len(lines):
        number = start + index
        text = lines[index]
        while text.rstrip().endswith("\\") and index + 1 < len(lines):  # continuation lines
            index += 1
            text = text.rstrip()[:-1] + " " + lines[index].strip()
        index += 1
        # A comment starts at '#' after two spaces, outside quotes.
        command, comment = text, ""
        match = re.search(r"\s{2,}#(.*)$", text)
        if match:
            command, comment = text[: match.start()], match.group(1)
        command = command.strip()
        if not command or command.startswith("#"):
            continue
        if re.match(r"^(make|swift build)\b", command):
            print(f"skip: README.md:{number}: {command} (CI runs it)")
            continue
        expected = re.search(r"^\s*exit (\d+):", comment)
        commands.append((number, command, int(expected.group(1)) if expected else 0))

work = tempfile.mkdtemp(prefix="custos-readme-")
try:
    files = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        target = os.path.join(work, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(repo, name), target)
    os.symlink(os.path.join(repo, ".build"), os.path.join(work, ".build"))
    vault, day = os.environ.get("CUSTOS_WALK_VAULT"), os.environ.get("CUSTOS_WALK_DAY")
    keyring = os.environ.get("CUSTOS_WALK_KEYRING") or (vault and "tour/custos.keys.db")
    script = ["set -u", f"cd {work!r}", "failed=0; passed=0"]
    if keyring or day:
        script.append(f"export CUSTOS_PG_PASSWORD_FILE={os.environ['CUSTOS_PG_PASSWORD_FILE']!r}")
    if keyring:
        script.append(f"export CUSTOS_KEYRING={keyring!r}")
    rewritten = 0
    for number, command, expected in commands:
        original = command
        if vault:
            command = command.replace("CUSTOS_DB=tour/custos.db", f"CUSTOS_DB={vault}")
        if day:
            command = command.replace("--db tour/day/custos.db", f"--db {day} --keyring tour/day/custos.keys.db")
            if re.match(r"^custos demo\b", command):
                command += f" --db {day}"
        rewritten += command != original
        other_vault = keyring and "--db " in command
        if other_vault:
            script.append("unset CUSTOS_KEYRING")
        # Shortened before quoting: cutting a quoted text could cut an escape in two.
        quoted = command.replace("'", "'\\''")
        short = command[:100].replace("'", "'\\''")
        script += [
            "out=''",  # a command run in this shell leaves no output of its own (set -u)
            # Assignments and cd must change this shell; a command that starts a background
            # process must not hold the captured output open.
            command if re.match(r"^(export|cd|[A-Z]+=)", command) or re.search(r"&& (export|cd) ", command)
            else f"{{ {command} ; }} > walk-output.txt 2>&1; out=$(cat walk-output.txt)" if re.search(r"[^&]&\s", command + " ")
            else f"out=$( {{ {command} ; }} 2>&1 )",
            "status=$?",
            f"if [ $status -eq {expected} ]; then passed=$((passed+1)); echo 'ok: README.md:{number}: {short}';"
            f" else failed=$((failed+1)); echo 'FAIL: README.md:{number}: exit '$status', expected {expected}: {quoted}'; echo \"$out\" | tail -5; fi",
        ]
        if other_vault:
            script.append(f"export CUSTOS_KEYRING={keyring!r}")
    if keyring and keyring.startswith("postgres"):
        # The tour's keys went to PostgreSQL, not into a file beside its vault.
        script.append("if [ -e tour/custos.keys.db ]; then failed=$((failed+1)); echo 'FAIL: tour/custos.keys.db exists: the keyring did not go to PostgreSQL'; fi")
    for name, address in (("tour", vault), ("tour/day", day)):
        if address:
            # The vault went to PostgreSQL, not into a file.
            script.append(f"if [ -e {name}/custos.db ]; then failed=$((failed+1)); echo 'FAIL: {name}/custos.db exists: the vault did not go to PostgreSQL'; fi")
        else:
            # Where the README says the vault is (an export that did not hold would leave it elsewhere).
            script.append(f"if [ ! -e {name}/custos.db ]; then failed=$((failed+1)); echo 'FAIL: {name}/custos.db is missing: the walk did not keep the vault where the README puts it'; fi")
    script.append("if [ -e custos.db ]; then failed=$((failed+1)); echo 'FAIL: ./custos.db exists: a command ran without the CUSTOS_DB of the tour'; fi")
    if (vault or day) and not rewritten:
        print("FAIL: no README command named the vault this walk rewrites; has the README changed?")
        sys.exit(1)
    script.append('echo "readme: $passed passed, $failed failed"; [ $failed -eq 0 ]')
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CUSTOS_")}
    result = subprocess.run(["bash", "-c", "\n".join(script)], env=environment)
    sys.exit(result.returncode)
finally:
    shutil.rmtree(work, ignore_errors=True)
