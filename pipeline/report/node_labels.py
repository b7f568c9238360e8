"""Nodes spread over a panel and labels placed beside them, clear of each other.

A network drawn for a projector needs every name readable: no label on another label, on
another node's disc or off the panel. Everything here works in points on a panel of
``width`` x ``height`` (the axes of the chart, with limits set to its size in points), so
text extents measured by matplotlib and disc radii compare directly. All steps are
deterministic: the same nodes give the same positions, hence byte-identical charts.

- :func:`fit_to_panel` maps a layout (networkx's, any scale) onto the panel, evening out
  crowded cores and far outliers, then pushes apart discs that overlap;
- :func:`place_labels` puts each label (largest node first) on the side of its node away
  from its neighbours, testing candidate boxes against the discs, the panel's edges, the
  labels already placed and their leader lines; a label that touches its node must be
  clearly nearer it than any other disc, so that the reader cannot pin it on a neighbour;
  where no such place exists, a place further out is taken with a leader line; a label
  with no room at all is left out (the caller says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GAP_PT = 2.5  # between a label and any disc or other label
CLEAR_PT = 4.0  # a label touching its node is that much further from every other disc
NODE_GAP_PT = 6.0  # between two discs
RANK_WEIGHT = 0.55  # how far positions are evened out towards their rank (0: linear map)
RINGS = 6  # distances tried beyond the first, each a label height further out
DIRECTIONS = 16
ATTEMPTS = 4  # orders tried: labels left without room move to the front


@dataclass(frozen=True)
class Placement:
    """A label's centre (points) and, when it stands apart, the leader line from the edge
    of its node's disc to the box."""

    x: float
    y: float
    leader: tuple[float, float, float, float] | None = None


def fit_to_panel(
    layout: np.ndarray,
    radii: np.ndarray,
    width: float,
    height: float,
    pad_x: float,
    pad_y: float,
    iterations: int = 200,
) -> np.ndarray:
    """Positions in points of nodes laid out at ``layout`` (n x 2, any scale), filling the
    panel inside the pads, with discs of ``radii`` at least :data:`NODE_GAP_PT` apart where
    the room allows.

    Each axis is mapped part linearly, part by rank (:data:`RANK_WEIGHT`): a far outlier no
    longer squeezes the other nodes into a corner, and the order along each axis stays."""
    xy = np.asarray(layout, dtype=float).reshape(-1, 2)
    n = len(xy)
    low = np.array([pad_x, pad_y])
    high = np.array([max(width - pad_x, pad_x), max(height - pad_y, pad_y)])
    if n == 1:
        return ((low + high) / 2)[None, :]
    out = np.empty_like(xy)
    for axis in (0, 1):
        values = xy[:, axis]
        span = values.max() - values.min()
        linear = (values - values.min()) / span if span > 0 else np.full(n, 0.5)
        ranks = _average_ranks(values)
        by_rank = ranks / (n - 1) if ranks.max() > 0 else np.full(n, 0.5)
        share = (1 - RANK_WEIGHT) * linear + RANK_WEIGHT * by_rank
        out[:, axis] = low[axis] + share * (high[axis] - low[axis])
    return _separate(out, np.asarray(radii, dtype=float), low, high, iterations)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """0-based ranks, ties sharing their mean rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    uniques, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks, minlength=len(uniques))
    counts = np.bincount(inverse, minlength=len(uniques))
    return (sums / counts)[inverse]


def _separate(
    xy: np.ndarray, radii: np.ndarray, low: np.ndarray, high: np.ndarray, iterations: int
) -> np.ndarray:
    """Push overlapping discs apart, half each way, keeping them inside ``low``-``high``."""
    n = len(xy)
    need = radii[:, None] + radii[None, :] + NODE_GAP_PT
    np.fill_diagonal(need, 0.0)
    # coincident nodes part along a fixed direction per pair (opposite for the other of
    # the two), so the result is repeatable
    index = np.arange(n)
    first, second = np.minimum.outer(index, index), np.maximum.outer(index, index)
    angle = (first * n + second) * 2.399963
    side = np.sign(np.subtract.outer(index, index))[..., None]
    fallback = side * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    for _ in range(iterations):
        delta = xy[:, None, :] - xy[None, :, :]
        dist = np.hypot(delta[..., 0], delta[..., 1])
        short = np.clip(need - dist, 0.0, None)
        np.fill_diagonal(short, 0.0)
        if short.max() < 0.05:
            break
        unit = np.where(dist[..., None] > 1e-9, delta / np.maximum(dist, 1e-9)[..., None], fallback)
        push = (unit * (short / 2)[..., None]).sum(axis=1)
        xy = np.clip(xy + push * 0.6, low, high)
    return xy


def _away(xy: np.ndarray) -> np.ndarray:
    """For each node, the unit direction away from the other nodes, the nearest counting
    most; a lone node looks up."""
    delta = xy[:, None, :] - xy[None, :, :]
    dist2 = (delta**2).sum(axis=-1)
    np.fill_diagonal(dist2, np.inf)
    pull = (delta / np.maximum(dist2, 1e-9)[..., None]).sum(axis=1)
    norm = np.hypot(pull[:, 0], pull[:, 1])
    up = np.tile([0.0, 1.0], (len(xy), 1))
    return np.where(norm[:, None] > 1e-12, pull / np.maximum(norm, 1e-12)[:, None], up)


def _box_hits_discs(box: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Which discs (radius + :data:`GAP_PT`) a box ``x0, y0, x1, y1`` enters."""
    near_x = np.clip(centres[:, 0], box[0], box[2])
    near_y = np.clip(centres[:, 1], box[1], box[3])
    return np.hypot(near_x - centres[:, 0], near_y - centres[:, 1]) < radii + GAP_PT


def _boxes_meet(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    if not len(boxes):
        return np.zeros(0, dtype=bool)
    return (
        (box[0] < boxes[:, 2] + GAP_PT)
        & (boxes[:, 0] < box[2] + GAP_PT)
        & (box[1] < boxes[:, 3] + GAP_PT)
        & (boxes[:, 1] < box[3] + GAP_PT)
    )


def segments_cross_box(segments: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Which segments (m x 4: x0, y0, x1, y1) pass through the box (Liang-Barsky)."""
    if not len(segments):
        return np.zeros(0, dtype=bool)
    x0, y0, x1, y1 = segments.T
    dx, dy = x1 - x0, y1 - y0
    t0 = np.zeros(len(segments))
    t1 = np.ones(len(segments))
    inside = np.ones(len(segments), dtype=bool)
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        parallel = np.abs(p) < 1e-12
        inside &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        t0 = np.where(~parallel & (p < 0), np.maximum(t0, r), t0)
        t1 = np.where(~parallel & (p > 0), np.minimum(t1, r), t1)
    return inside & (t0 <= t1)


def _nearer_than_own(box: np.ndarray, i: int, centres: np.ndarray, radii: np.ndarray, others: np.ndarray) -> bool:
    """Whether another disc's edge comes within :data:`CLEAR_PT` of the distance from the
    box to node ``i``'s own disc: a reader could take the label for that node's."""
    near = np.column_stack([np.clip(centres[:, 0], box[0], box[2]), np.clip(centres[:, 1], box[1], box[3])])
    gaps = np.hypot(*(near - centres).T) - radii
    return bool((gaps[others] < gaps[i] + CLEAR_PT).any())


def _segment_hits_discs(seg: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    start, end = seg[:2], seg[2:]
    along = end - start
    length2 = max(float(along @ along), 1e-12)
    t = np.clip(((centres - start) @ along) / length2, 0.0, 1.0)
    nearest = start + t[:, None] * along
    return np.hypot(*(centres - nearest).T) < radii


@dataclass(frozen=True)
class _Scene:
    """What every label's choice looks at: the discs, the label sizes, the panel, the
    directions tried and each node's way out, the edges drawn (all in points)."""

    centres: np.ndarray
    radii: np.ndarray
    sizes: np.ndarray
    width: float
    height: float
    edges: np.ndarray
    away: np.ndarray
    unit: np.ndarray  # the directions tried, north first
    corner: np.ndarray  # for each direction, the corner or side of a box that faces the node


def place_labels(
    centres: np.ndarray,
    radii: np.ndarray,
    sizes: np.ndarray,
    width: float,
    height: float,
    order: list[int],
    edges: np.ndarray | None = None,
) -> list[Placement | None]:
    """Where to put the label of each node (``None``: no room anywhere).

    In: disc ``centres`` (n x 2) and ``radii`` (n) in points, label ``sizes`` (n x 2:
    width, height in points), the panel ``width`` x ``height``, the ``order`` in which
    labels choose their place (most important first; a node left out of it gets no
    label), and the ``edges`` drawn (m x 4 segments), which a label avoids crossing where
    it can.

    A label touches its node where some side is free and no other disc is as near
    (:data:`CLEAR_PT`), preferring the side away from the other nodes; else it stands
    further out (up to :data:`RINGS` label heights) with a leader line that crosses no
    disc and no label; only a label that has no such place either touches its node beside
    a neighbour. Labels left without room move to the
    front of the order for another attempt (up to :data:`ATTEMPTS`); the attempt leaving
    out fewest labels, then with fewest leader lines, is kept."""
    centres = np.asarray(centres, dtype=float)
    angles = np.arange(DIRECTIONS) * 2 * np.pi / DIRECTIONS + np.pi / 2
    unit = np.column_stack([np.cos(angles), np.sin(angles)])
    scene = _Scene(
        centres=centres,
        radii=np.asarray(radii, dtype=float),
        sizes=np.asarray(sizes, dtype=float),
        width=float(width),
        height=float(height),
        edges=np.empty((0, 4)) if edges is None else np.asarray(edges, dtype=float).reshape(-1, 4),
        away=_away(centres),
        unit=unit,
        corner=np.clip(unit * np.sqrt(2), -1.0, 1.0),
    )
    best: list[Placement | None] | None = None
    tried = list(order)
    for _ in range(ATTEMPTS):
        out = _place_in_order(scene, tried)
        if best is None or _shortfall(out, order) < _shortfall(best, order):
            best = out
        missing = [i for i in order if out[i] is None]
        if not missing:
            break
        tried = missing + [i for i in tried if i not in missing]
    return best if best is not None else [None] * len(centres)


def _shortfall(places: list[Placement | None], order: list[int]) -> tuple[int, int]:
    """Labels left out, then labels standing apart: fewer is better."""
    return (
        sum(places[i] is None for i in order),
        sum(places[i] is not None and places[i].leader is not None for i in order),  # type: ignore[union-attr]
    )


def _place_in_order(scene: _Scene, order: list[int]) -> list[Placement | None]:
    """One attempt: ring by ring, so that every label that can touch its node does before
    any stands apart; within a ring, in ``order``."""
    placed: list[np.ndarray] = []
    leaders: list[np.ndarray] = []
    out: list[Placement | None] = [None] * len(scene.centres)
    waiting = list(order)
    for clear, ring in [(True, r) for r in range(RINGS + 1)] + [(False, 0)]:
        for i in list(waiting):
            best = _best_place(scene, i, ring, placed, leaders, clear)
            if best is None:
                continue
            box, leader = best
            placed.append(box)
            if leader is not None:
                leaders.append(leader)
            out[i] = Placement(
                float((box[0] + box[2]) / 2),
                float((box[1] + box[3]) / 2),
                None if leader is None else (float(leader[0]), float(leader[1]), float(leader[2]), float(leader[3])),
            )
            waiting.remove(i)
    return out


def _best_place(
    scene: _Scene,
    i: int,
    ring: int,
    placed: list[np.ndarray],
    leaders: list[np.ndarray],
    clear: bool = True,
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The best free box for node ``i``'s label at ``ring`` label heights out (and its
    leader line beyond the first ring), or ``None``. With ``clear``, a box touching the
    node (ring 0) must be :data:`CLEAR_PT` further from every other disc than from its own.

    Cost: edges crossed, then other nodes crowded (a box close to another disc takes the
    room that node's own label needs), then turning towards the other nodes."""
    centres, radii, unit = scene.centres, scene.radii, scene.unit
    w, h = scene.sizes[i]
    others = np.arange(len(centres)) != i
    reach = radii[i] + GAP_PT + ring * (h + GAP_PT)
    taken = np.array(placed) if placed else np.empty((0, 4))
    drawn_leaders = np.array(leaders) if leaders else np.empty((0, 4))
    best: tuple[float, np.ndarray, np.ndarray | None] | None = None
    for k in range(len(unit)):
        centre = centres[i] + reach * unit[k] + scene.corner[k] * np.array([w, h]) / 2
        box = np.array([centre[0] - w / 2, centre[1] - h / 2, centre[0] + w / 2, centre[1] + h / 2])
        if box[0] < 0 or box[1] < 0 or box[2] > scene.width or box[3] > scene.height:
            continue
        if _box_hits_discs(box, centres, radii).any() or _boxes_meet(box, taken).any():
            continue
        if segments_cross_box(drawn_leaders, box).any():
            continue
        leader = None
        if clear and not ring and _nearer_than_own(box, i, centres, radii, others):
            continue
        if ring:
            start = centres[i] + radii[i] * unit[k]
            leader = np.concatenate([start, np.clip(start, box[:2], box[2:])])  # to the box's nearest point
            if _segment_hits_discs(leader, centres[others], radii[others]).any():
                continue
            if any(segments_cross_box(leader[None, :], other)[0] for other in taken):
                continue
        crowded = _box_hits_discs(box + np.array([-h, -h, h, h]), centres[others], radii[others]).sum()
        cost = 3.0 * segments_cross_box(scene.edges, box).sum() + 1.0 * crowded + (1.0 - float(unit[k] @ scene.away[i]))
        if best is None or cost < best[0] - 1e-9:
            best = (float(cost), box, leader)
    return None if best is None else (best[1], best[2])
