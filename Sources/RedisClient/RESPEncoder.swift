import NIOCore

/// A command as sent to Redis: its name followed by its arguments.
struct RESPCommand: Sendable {
    var name: String
    var arguments: [RESPArgument]
}

/// Encodes a command as a RESP array of bulk strings, the only form Redis accepts from clients.
struct RESPEncoder: MessageToByteEncoder {
    func encode(data command: RESPCommand, out: inout ByteBuffer) {
        out.writeRESPHeader(UInt8(ascii: "*"), command.arguments.count + 1)
        RESPArgument(command.name).write(to: &out)
        for argument in command.arguments {
            argument.write(to: &out)
        }
    }
}
