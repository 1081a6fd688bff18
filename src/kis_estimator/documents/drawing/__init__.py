"""Front-view drawings of a panel (분전반), true to scale in millimetres, as SVG and DXF.

The drawing follows the face-to-face layout of DOMAIN §4: the main breaker stands upright at the top
centre, a vertical branch busbar runs down the middle, and the branch breakers lie sideways in facing
pairs left and right of it, so a breaker's catalog width is its share of the panel's height and its
catalog height is its horizontal length.

The geometry is computed once, as a list of neutral shapes (`shapes`), by `front` (the front view)
and `sheet` (side view, legend, title block, the layout of several panels); the writers `svg` and
`dxf` only draw those shapes. Output is deterministic: the same panel gives the same bytes.
"""
