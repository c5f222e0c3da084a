import KontextCore

/// The four example tasks of the FLUX.1 Kontext [dev] reference, exactly as published (same
/// prompts, seeds, steps, schedulers and sizes), for the demo and the end-to-end tests.
package enum ReferenceExamples {
    /// One published example: its title, its request and the result Runware answered with.
    package struct Example: Sendable {
        /// The example's title in the reference.
        package let title: String
        /// The request JSON as published (top-level `referenceImages`).
        package let requestJSON: String
        /// The result JSON as published.
        package let resultJSON: String

        /// The request as a JSON value.
        package var request: JSONValue { (try? JSONCoding.parse(requestJSON)) ?? .null }
    }

    /// The four examples, in the reference's order.
    package static let all: [Example] = [
        Example(
            title: "Glasshouse Botanist Workbench Transformation",
            requestJSON: #"""
{
  "taskType": "imageInference",
  "taskUUID": "da3533af-ea2f-48e3-ae3d-7cb4b1918a28",
  "referenceImages": [
    "https://assets.runware.ai/assets/inputs/d63ac405-965e-4874-81fc-ead3474ddd46.jpg"
  ],
  "model": "runware:106@1",
  "positivePrompt": "Transform the reference image into an imaginative glasshouse botanist workspace, keeping the same bench layout and camera angle but replacing the plain surroundings with towering curved greenhouse panes, climbing vines, suspended air plants, rare striped begonias, luminous amber glass vessels, hand-labeled specimen drawers, scattered seed packets, pressed petals inside the notebook, delicate soil textures, warm morning haze, intricate natural details, cinematic realism, elegant color harmony, highly detailed",
  "width": 1248,
  "height": 832,
  "seed": 17513,
  "steps": 28,
  "scheduler": "default",
  "CFGScale": 7.5
}
"""#,
            resultJSON: #"""
{
  "taskType": "imageInference",
  "taskUUID": "da3533af-ea2f-48e3-ae3d-7cb4b1918a28",
  "imageUUID": "908ec77f-26f2-4434-9096-d8bcba60b912",
  "imageURL": "https://im.runware.ai/image/os/a08d21/ws/2/ii/908ec77f-26f2-4434-9096-d8bcba60b912.jpg",
  "seed": 17513,
  "NSFWContent": false,
  "cost": 0.0143
}
"""#),
        Example(
            title: "Coppery Alpine Train Compartment",
            requestJSON: #"""
{
  "taskType": "imageInference",
  "taskUUID": "a49e0ce1-5e01-49c7-9878-8a0b5f138399",
  "referenceImages": [
    "https://assets.runware.ai/assets/inputs/a6abbc5b-85a9-4aac-bc6b-e972772dd9d0.jpg"
  ],
  "model": "runware:106@1",
  "positivePrompt": "Transform the reference image into an elegant early-20th-century alpine rail compartment with polished walnut panels, brass luggage racks, embroidered seat fabric, frosted glass details, and a sweeping mountain pass outside the window. Preserve the seated passenger's pose and framing, but restyle the wardrobe into a tailored wool coat and travel gloves. Add a folded map, leather satchel, and subtle condensation on the window. Cinematic realism, intricate textures, atmospheric depth, warm copper and pine tones, refined travel photography aesthetic.",
  "width": 1248,
  "height": 832,
  "seed": 8455,
  "steps": 28,
  "scheduler": "Euler",
  "CFGScale": 7.5
}
"""#,
            resultJSON: #"""
{
  "taskType": "imageInference",
  "taskUUID": "a49e0ce1-5e01-49c7-9878-8a0b5f138399",
  "imageUUID": "c4c06a0c-8c54-4f50-b054-953f023dbf95",
  "imageURL": "https://im.runware.ai/image/os/a01d21/ws/2/ii/c4c06a0c-8c54-4f50-b054-953f023dbf95.jpg",
  "seed": 8455,
  "NSFWContent": false,
  "cost": 0.0143
}
"""#),
        Example(
            title: "Glacial Cathedral Costume Transformation",
            requestJSON: #"""
{
  "taskType": "imageInference",
  "taskUUID": "131b86d2-9034-45bd-8385-5e7b5cbff62e",
  "referenceImages": [
    "https://assets.runware.ai/assets/inputs/cfb1143b-02c8-4416-9e17-c58e8aff749f.jpg"
  ],
  "model": "runware:106@1",
  "positivePrompt": "Transform the reference image into an avant-garde fashion editorial set inside a colossal glacial cathedral nave with translucent ice columns, prismatic frost textures, suspended crystal chimes, pale cyan and silver palette, the same woman reimagined in an extravagant sculptural gown made of faceted glass-like shards and layered organza, intricate reflective headdress, poised centered stance, ethereal winter couture, cinematic volumetric light streaming through frozen arches, ultra-detailed textiles, refined facial detail, elegant composition, luxury magazine photography, surreal yet believable",
  "seed": 15789,
  "steps": 28,
  "scheduler": "Euler",
  "CFGScale": 7.5
}
"""#,
            resultJSON: #"""
{
  "taskType": "imageInference",
  "taskUUID": "131b86d2-9034-45bd-8385-5e7b5cbff62e",
  "imageUUID": "bcf6cd6e-cc2e-4195-b24a-567c54096ba4",
  "imageURL": "https://im.runware.ai/image/os/a03d21/ws/2/ii/bcf6cd6e-cc2e-4195-b24a-567c54096ba4.jpg",
  "seed": 15789,
  "NSFWContent": false,
  "cost": 0.015
}
"""#),
        Example(
            title: "Velvet Carnival Masked Dancer",
            requestJSON: #"""
{
  "taskType": "imageInference",
  "taskUUID": "283e76ba-6434-4c1b-86a0-e1829ce848bf",
  "referenceImages": [
    "https://assets.runware.ai/assets/inputs/0b68c363-83cd-409d-be14-1dc957952d19.jpg"
  ],
  "model": "runware:106@1",
  "positivePrompt": "Transform the reference image into a lavish masquerade performance inside a grand velvet-draped hall, the dancer wearing an elaborate porcelain mask, layered embroidered costume with jewel accents, sweeping ribbons, polished marble floor reflecting warm candle glow, towering floral arrangements, suspended crystal garlands, theatrical haze, rich burgundy and gold palette, dynamic elegance, surreal couture fashion photography, intricate textile detail, cinematic composition, highly detailed",
  "seed": 60280,
  "steps": 28,
  "scheduler": "default",
  "CFGScale": 7.5
}
"""#,
            resultJSON: #"""
{
  "taskType": "imageInference",
  "taskUUID": "283e76ba-6434-4c1b-86a0-e1829ce848bf",
  "imageUUID": "c8cb6a69-9cf3-4ec5-9ae8-07b0ff909520",
  "imageURL": "https://im.runware.ai/image/os/a20d05/ws/2/ii/c8cb6a69-9cf3-4ec5-9ae8-07b0ff909520.jpg",
  "seed": 60280,
  "NSFWContent": false,
  "cost": 0.015
}
"""#),
    ]
}

extension JSONValue {
    /// A seed as a JSON integer: `integer` up to `Int64.max`, `unsignedInteger` above, so
    /// both ends of Runware's 0…2^63 range travel unchanged.
    static func seed(_ value: UInt64) -> JSONValue {
        value <= UInt64(Int64.max) ? .integer(Int64(value)) : .unsignedInteger(value)
    }
}
