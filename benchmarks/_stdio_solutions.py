"""A correct and a wrong Python solution for each shared CodeContests sample problem (by name),
with the checker a problem needs (any valid answer, float tolerance, a move sequence).

The correct ones are checked against every case of ``stdio/code_contests_sample.jsonl`` by
``benchmarks/stdio_throughput.py`` (they must all be accepted there) and by tests/problems.
"""

from __future__ import annotations

A3 = '''import sys
def main():
    data = sys.stdin.read().split()
    t = int(data[0]); pos = 1; out = []
    HI = 10 ** 9
    for _ in range(t):
        k = int(data[pos]); pos += 1
        events = {}
        def add(lo, hi):
            if lo > hi:
                return
            events[lo] = events.get(lo, 0) + 1
            events[hi + 1] = events.get(hi + 1, 0) - 1
        for _ in range(k):
            op, l, val = data[pos], int(data[pos + 1]), data[pos + 2]; pos += 3
            yes = val == "Yes"
            if op == "<":
                add(1, l - 1) if yes else add(l, HI)
            elif op == ">":
                add(l + 1, HI) if yes else add(1, l)
            elif yes:
                add(l, l)
            else:
                add(1, l - 1); add(l + 1, HI)
        best = cur = 0
        for x in sorted(events):
            cur += events[x]
            if x <= HI:
                best = max(best, cur)
        out.append(str(k - best))
    print("\\n".join(out))
main()
'''
A3_WRONG = A3.replace("best = max(best, cur)", "best = max(best, cur - (x == 1))")

CHEFBM = '''import sys
def main():
    data = sys.stdin.buffer.read().split()
    n, m, p = int(data[0]), int(data[1]), int(data[2])
    rows = {}
    for i in range(p):
        r, c = int(data[3 + 2 * i]), int(data[4 + 2 * i])
        row = rows.setdefault(r, {})
        row[c] = row.get(c, 0) + 1
    out = []
    for r in range(1, n + 1):
        row = rows.get(r)
        if not row:
            out.append(m - 1)
            continue
        ok = all(x >= m or cnt <= row.get(x + 1, 0) + 1 for x, cnt in row.items())
        out.append(m - 1 + row.get(m, 0) - row.get(1, 0) if ok else -1)
    print("\\n".join(map(str, out)))
main()
'''
CHEFBM_WRONG = CHEFBM.replace("if ok else -1", "")

DIGJUMP = '''import sys
from collections import deque
def main():
    s = sys.stdin.readline().strip()
    n = len(s)
    groups = {}
    for i, ch in enumerate(s):
        groups.setdefault(ch, []).append(i)
    dist = [-1] * n
    dist[0] = 0
    q = deque([0])
    while q:
        i = q.popleft()
        if i == n - 1:
            break
        nxt = [i - 1, i + 1] + groups.pop(s[i], [])
        for j in nxt:
            if 0 <= j < n and dist[j] < 0:
                dist[j] = dist[i] + 1
                q.append(j)
    print(dist[n - 1])
main()
'''
DIGJUMP_WRONG = DIGJUMP.replace("groups.pop(s[i], [])", "[]")

TSHIRTS = '''import sys
from collections import Counter
def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    a, b = Counter(data[1:1 + n]), Counter(data[1 + n:1 + 2 * n])
    print(sum(max(0, a[s] - b[s]) for s in a))
main()
'''
TSHIRTS_WRONG = '''import sys
data = sys.stdin.read().split()
n = int(data[0])
print(sum(x != y for x, y in zip(data[1:1 + n], data[1 + n:1 + 2 * n])))
'''

WCD = '''import sys
def primes_of(x):
    out, d = [], 2
    while d * d <= x:
        if x % d == 0:
            out.append(d)
            while x % d == 0:
                x //= d
        d += 1
    if x > 1:
        out.append(x)
    return out
def main():
    data = list(map(int, sys.stdin.buffer.read().split()))
    n = data[0]
    pairs = list(zip(data[1::2], data[2::2]))[:n]
    for p in set(primes_of(pairs[0][0]) + primes_of(pairs[0][1])):
        if all(a % p == 0 or b % p == 0 for a, b in pairs):
            print(p)
            return
    print(-1)
main()
'''
WCD_WRONG = WCD.replace("a % p == 0 or b % p == 0", "a % p == 0")
# "If there are multiple possible answers, output any": judge the answer, not the text.
WCD_CHECKER = '''def check(input, expected, actual):
    nums = list(map(int, input.split()))
    pairs = list(zip(nums[1::2], nums[2::2]))[:nums[0]]
    got = actual.split()
    if len(got) != 1:
        return False, "expected one integer"
    try:
        d = int(got[0])
    except ValueError:
        return False, "not an integer"
    if expected.split() == ["-1"]:
        return d == -1, "there is no WCD"
    return d > 1 and all(a % d == 0 or b % d == 0 for a, b in pairs), "not a WCD"
'''

BATTLE = '''import sys
def main():
    data = sys.stdin.read().split()
    n = int(data[0]); pos = 1
    alive = [1.0 - float(x) for x in data[pos:pos + n]]; pos += n
    adj = [[] for _ in range(n)]
    for _ in range(n - 1):
        u, v = int(data[pos]), int(data[pos + 1]); pos += 2
        adj[u].append(v); adj[v].append(u)
    near = [sum(alive[v] for v in adj[u]) for u in range(n)]
    nodes = sum(alive)
    edges = sum(alive[u] * near[u] for u in range(n)) / 2
    q = int(data[pos]); pos += 1
    out = []
    for _ in range(q):
        x, p = int(data[pos]), float(data[pos + 1]); pos += 2
        delta = (1.0 - p) - alive[x]
        nodes += delta
        edges += delta * near[x]
        for y in adj[x]:
            near[y] += delta
        alive[x] = 1.0 - p
        out.append("%.5f" % (nodes - edges))
    print("\\n".join(out))
main()
'''
BATTLE_WRONG = BATTLE.replace("nodes - edges", "nodes - edges + 0.01")

ARRAY = '''import sys
MOD = 998244353
def main():
    data = sys.stdin.read().split()
    n = int(data[0]); a = list(map(int, data[1:1 + n]))
    V = 200
    # up[v]: a_i = v and a_i > a_{i-1} (needs a right neighbour >= v); ok[v]: a_i <= a_{i-1}
    up = [0] * (V + 1); ok = [0] * (V + 1)
    for v in range(1, V + 1):
        if a[0] == -1 or a[0] == v:
            up[v] = 1
    for i in range(1, n):
        pre = [0] * (V + 2)
        for v in range(1, V + 1):
            pre[v] = (pre[v - 1] + up[v] + ok[v]) % MOD
        suf = [0] * (V + 2)
        for v in range(V, 0, -1):
            suf[v] = (suf[v + 1] + ok[v]) % MOD
        nup = [0] * (V + 1); nok = [0] * (V + 1)
        for u in range(1, V + 1):
            if a[i] != -1 and a[i] != u:
                continue
            nup[u] = pre[u - 1]
            nok[u] = (up[u] + ok[u] + suf[u + 1]) % MOD
        up, ok = nup, nok
    print(sum(ok) % MOD)
main()
'''
ARRAY_WRONG = ARRAY.replace("print(sum(ok) % MOD)", "print((sum(ok) + sum(up)) % MOD)")

PRESENTS = '''import sys
def main():
    data = sys.stdin.read().split()
    n, m = int(data[0]), int(data[1]); pos = 2
    boxes = []
    for _ in range(n):
        s = int(data[pos]); pos += 1
        boxes.append(set(map(int, data[pos:pos + s]))); pos += s
    total = sum(len(b) for b in boxes)
    order = sorted(range(n), key=lambda i: -len(boxes[i]))
    target = [0] * n
    for rank, i in enumerate(order):
        target[i] = total // n + (1 if rank < total % n else 0)
    donors = [i for i in range(n) if len(boxes[i]) > target[i]]
    takers = [i for i in range(n) if len(boxes[i]) < target[i]]
    moves = []
    for d in donors:
        for kind in list(boxes[d]):
            if len(boxes[d]) == target[d]:
                break
            for t in takers:
                if len(boxes[t]) < target[t] and kind not in boxes[t]:
                    boxes[d].remove(kind); boxes[t].add(kind)
                    moves.append("%d %d %d" % (d + 1, t + 1, kind))
                    break
    print(len(moves))
    if moves:
        print("\\n".join(moves))
main()
'''
PRESENTS_WRONG = PRESENTS.replace("print(len(moves))", "print(len(moves) + 1)")
# Any shortest valid move sequence is accepted: replay it on the input and compare lengths.
PRESENTS_CHECKER = '''def check(input, expected, actual):
    data = input.split()
    n, pos = int(data[0]), 2
    boxes = []
    for _ in range(n):
        s = int(data[pos]); pos += 1
        boxes.append(set(data[pos:pos + s])); pos += s
    got = actual.split()
    if not got or int(got[0]) != int(expected.split()[0]):
        return False, "not the minimal number of moves"
    k = int(got[0])
    if len(got) != 1 + 3 * k:
        return False, "wrong number of move lines"
    for i in range(k):
        a, b, kind = int(got[1 + 3 * i]) - 1, int(got[2 + 3 * i]) - 1, got[3 + 3 * i]
        if not (0 <= a < n and 0 <= b < n) or kind not in boxes[a] or kind in boxes[b]:
            return False, f"move {i + 1} is invalid"
        boxes[a].remove(kind); boxes[b].add(kind)
    sizes = [len(b) for b in boxes]
    return max(sizes) - min(sizes) <= 1, "sizes still differ by more than one"
'''

SILENCE = '''import sys
def main():
    data = list(map(int, sys.stdin.read().split()))
    n, m = data[0], data[1]
    where = {}
    for i in range(n):
        for j in range(m):
            where[data[2 + i * m + j]] = (i, j)
    k = n * m
    count = 0
    for l in range(1, k + 1):
        parent = {}
        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        comps = 0
        for r in range(l, k + 1):
            i, j = where[r]
            parent[r] = r; comps += 1
            cycle = False
            for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                ni, nj = i + di, j + dj
                if 0 <= ni < n and 0 <= nj < m:
                    v = data[2 + ni * m + nj]
                    if l <= v < r:
                        a, b = find(v), find(r)
                        if a == b:
                            cycle = True
                        else:
                            parent[a] = b; comps -= 1
            if cycle:
                break
            if comps == 1:
                count += 1
    print(count)
main()
'''
SILENCE_WRONG = SILENCE.replace("if cycle:\n                break\n", "")

EDGY = '''import sys
MOD = 10 ** 9 + 7
def main():
    data = list(map(int, sys.stdin.buffer.read().split()))
    n, k = data[0], data[1]
    parent = list(range(n + 1))
    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for i in range(n - 1):
        u, v, x = data[2 + 3 * i:5 + 3 * i]
        if x == 0:
            parent[find(u)] = find(v)
    sizes = {}
    for v in range(1, n + 1):
        r = find(v)
        sizes[r] = sizes.get(r, 0) + 1
    print((pow(n, k, MOD) - sum(pow(s, k, MOD) for s in sizes.values())) % MOD)
main()
'''
EDGY_WRONG = EDGY.replace("if x == 0:", "if x == 1:")

SOLUTIONS: dict[str, dict] = {
    "a3": {"correct": A3, "wrong": A3_WRONG},
    "chefbm": {"correct": CHEFBM, "wrong": CHEFBM_WRONG},
    "digjump": {"correct": DIGJUMP, "wrong": DIGJUMP_WRONG},
    "1000_A. Codehorses T-shirts": {"correct": TSHIRTS, "wrong": TSHIRTS_WRONG},
    "1025_B. Weakened Common Divisor": {"correct": WCD, "wrong": WCD_WRONG,
                                        "checker": "special", "checker_code": WCD_CHECKER},
    "1045_D. Interstellar battle": {"correct": BATTLE, "wrong": BATTLE_WRONG,
                                    "checker": "float", "atol": 1e-4, "rtol": 1e-4},
    "1068_D. Array Without Local Maximums ": {"correct": ARRAY, "wrong": ARRAY_WRONG},
    "1090_C. New Year Presents": {"correct": PRESENTS, "wrong": PRESENTS_WRONG,
                                  "checker": "special", "checker_code": PRESENTS_CHECKER},
    "1109_F. Sasha and Algorithm of Silence's Sounds": {"correct": SILENCE,
                                                        "wrong": SILENCE_WRONG},
    "1139_C. Edgy Trees": {"correct": EDGY, "wrong": EDGY_WRONG},
}


def configured(problem):
    """``problem`` with the checker its statement asks for (CodeContests rows carry none)."""
    import dataclasses

    extra = {k: v for k, v in SOLUTIONS[problem.id].items() if k not in ("correct", "wrong")}
    return dataclasses.replace(problem, **extra)
