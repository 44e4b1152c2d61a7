import Custos

/// Runs a library call: a refusal (the law, the policy or a register says no) is exit 2 with
/// its reason in words, anything else is reported as an error.
func refusable<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let refusal as any Refusal {
        StandardError.write("custos: refused: \(refusal)")
        throw ExitStatus.denied
    } catch {
        throw ExitStatus.report(error)
    }
}
